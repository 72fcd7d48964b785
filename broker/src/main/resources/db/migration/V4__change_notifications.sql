-- Every committed change to an entry is announced on channel custos_changes (NOTIFY is delivered at
-- commit, and not at all on rollback), so every broker drops what it holds of that path: the
-- storage cache, tokens, policies, mount tables, engines' state. The payload is "=" and the path,
-- or, for a path too long for NOTIFY's 8000-byte limit, "^" and a prefix of it (drop everything
-- below). Several identical notifications in one transaction arrive once.
CREATE FUNCTION custos_entry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE WHEN TG_OP = 'DELETE' THEN OLD.path ELSE NEW.path END;
BEGIN
    IF octet_length(changed) <= 7000 THEN
        PERFORM pg_notify('custos_changes', '=' || changed);
    ELSE
        PERFORM pg_notify('custos_changes', '^' || left(changed, 1000));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER custos_entries_changed AFTER INSERT OR UPDATE OR DELETE ON custos_entries
    FOR EACH ROW EXECUTE FUNCTION custos_entry_changed();
