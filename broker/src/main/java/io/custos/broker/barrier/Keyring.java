package io.custos.broker.barrier;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The key-encryption keys of the barrier, one per term; the highest term is active and wraps
 * new data keys, older terms stay to unwrap entries not yet re-wrapped. Immutable: a new term
 * makes a new keyring (sharing the term objects). Each term is persisted on its own, encrypted
 * under the root key ({@link Term#toBytes}); {@link #destroy} wipes every key on seal.
 */
public final class Keyring {
    private static final int TERM_BYTES = Long.BYTES + AesGcm.KEY_BYTES;

    /** One key term. {@code toString} never shows the key. */
    public record Term(int number, AesKey key, Instant installTime) {

        static Term generate(int number, Instant installTime) {
            return new Term(number, new AesKey(AesGcm.randomKeyBytes()), installTime);
        }

        /** The stored form (install time in milliseconds, then the key); only ever stored encrypted. */
        public byte[] toBytes() {
            byte[] out = new byte[TERM_BYTES];
            ByteBuffer.wrap(out).putLong(installTime.toEpochMilli());
            key.copyTo(out, Long.BYTES);
            return out;
        }

        /** Reads {@link #toBytes}'s form and wipes {@code bytes}. */
        public static Term fromBytes(int number, byte[] bytes) {
            if (bytes.length != TERM_BYTES) {
                throw new IntegrityException("keyring term " + number + " has the wrong length");
            }
            try {
                Instant installed = Instant.ofEpochMilli(ByteBuffer.wrap(bytes).getLong());
                return new Term(number, new AesKey(Arrays.copyOfRange(bytes, Long.BYTES, TERM_BYTES)), installed);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "Term[" + number + ", installed " + installTime + "]";
        }
    }

    private final NavigableMap<Integer, Term> terms;

    private Keyring(NavigableMap<Integer, Term> terms) {
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("a keyring has at least one term");
        }
        this.terms = Collections.unmodifiableNavigableMap(terms);
    }

    public static Keyring first(Instant now) {
        return of(List.of(Term.generate(1, now)));
    }

    public static Keyring of(Collection<Term> terms) {
        TreeMap<Integer, Term> t = new TreeMap<>();
        terms.forEach(term -> t.put(term.number(), term));
        return new Keyring(t);
    }

    /** A fresh term numbered {@code number} (not yet part of any keyring). */
    public static Term newTerm(int number, Instant now) {
        return Term.generate(number, now);
    }

    /** A keyring with one more term, which becomes active. */
    public Keyring rotate(Instant now) {
        return with(Term.generate(active().number() + 1, now));
    }

    /** This keyring plus {@code term} (the active one if it is the highest). */
    public Keyring with(Term term) {
        TreeMap<Integer, Term> t = new TreeMap<>(terms);
        t.put(term.number(), term);
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

    /** Wipes every term's key (on seal); the keyring is unusable afterwards. */
    public void destroy() {
        terms.values().forEach(t -> t.key().destroy());
    }

    /** The keyring of an older release (one JSON document), read once to import its terms. */
    public static Map<Integer, Term> fromLegacyBytes(byte[] bytes) {
        try {
            Map<String, List<Map<String, Object>>> m = Json.MAPPER.readValue(bytes, new TypeReference<>() { });
            Map<Integer, Term> out = new LinkedHashMap<>();
            for (Map<String, Object> e : m.get("terms")) {
                int n = ((Number) e.get("term")).intValue();
                out.put(n, new Term(n, new AesKey(Base64.getDecoder().decode((String) e.get("key"))),
                        Instant.parse((String) e.get("install_time"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("keyring is unreadable", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
