package io.custos.broker.barrier;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption keys of the barrier, one per term; the highest term is active and wraps
 * new data keys, older terms stay to unwrap entries not yet re-wrapped. Immutable: rotation
 * makes a new keyring. Persisted only encrypted under the root key.
 */
public final class Keyring {

    /** One key term. {@code toString} never shows the key. */
    public record Term(int number, SecretKey key, Instant installTime) {
        Term(int number, byte[] key, Instant installTime) {
            this(number, new SecretKeySpec(key, "AES"), installTime);
        }

        @Override
        public String toString() {
            return "Term[" + number + ", installed " + installTime + "]";
        }
    }

    private final NavigableMap<Integer, Term> terms;

    private Keyring(NavigableMap<Integer, Term> terms) {
        this.terms = Collections.unmodifiableNavigableMap(terms);
    }

    public static Keyring first(Instant now) {
        TreeMap<Integer, Term> t = new TreeMap<>();
        t.put(1, new Term(1, AesGcm.randomBytes(AesGcm.KEY_BYTES), now));
        return new Keyring(t);
    }

    /** A keyring with one more term, which becomes active. */
    public Keyring rotate(Instant now) {
        TreeMap<Integer, Term> t = new TreeMap<>(terms);
        int next = active().number() + 1;
        t.put(next, new Term(next, AesGcm.randomBytes(AesGcm.KEY_BYTES), now));
        return new Keyring(t);
    }

    public Term active() {
        return terms.lastEntry().getValue();
    }

    public Term term(int number) {
        return terms.get(number);
    }

    public List<Term> terms() {
        return new ArrayList<>(terms.values());
    }

    /** Serialized form, with each term's encryption count; only ever stored encrypted. */
    public byte[] toBytes(Map<Integer, Long> encryptions) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Term t : terms.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("term", t.number());
            m.put("key", Base64.getEncoder().encodeToString(t.key().getEncoded()));
            m.put("install_time", t.installTime().toString());
            m.put("encryptions", encryptions.getOrDefault(t.number(), 0L));
            out.add(m);
        }
        return Json.write(Map.of("terms", out));
    }

    /** The keyring and its stored encryption counts. */
    public record Loaded(Keyring keyring, Map<Integer, Long> encryptions) {
    }

    public static Loaded fromBytes(byte[] bytes) {
        try {
            Map<String, List<Map<String, Object>>> m = Json.MAPPER.readValue(bytes, new TypeReference<>() { });
            TreeMap<Integer, Term> t = new TreeMap<>();
            Map<Integer, Long> counts = new LinkedHashMap<>();
            for (Map<String, Object> e : m.get("terms")) {
                int n = ((Number) e.get("term")).intValue();
                t.put(n, new Term(n, Base64.getDecoder().decode((String) e.get("key")),
                        Instant.parse((String) e.get("install_time"))));
                counts.put(n, ((Number) e.get("encryptions")).longValue());
            }
            return new Loaded(new Keyring(t), counts);
        } catch (IOException e) {
            throw new UncheckedIOException("keyring is unreadable", e);
        }
    }
}
