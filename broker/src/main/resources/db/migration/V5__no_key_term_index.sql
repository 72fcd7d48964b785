-- Every write paid for an index on key_term (PostgreSQL 15 here: about 8 of 38 µs of its CPU per
-- row of a 16-row upsert) that only the key-rotation status used, to count entries still under an
-- old term. That count, and the re-wrap's walk in path order, read the table instead: an
-- operator's occasional request, where the index cost every issued certificate and every put.
-- CONCURRENTLY (Flyway runs it outside a transaction): brokers of the previous version serving
-- from this table meanwhile are not stopped behind an exclusive lock.
DROP INDEX CONCURRENTLY IF EXISTS custos_entries_key_term;
