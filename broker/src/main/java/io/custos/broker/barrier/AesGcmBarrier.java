package io.custos.broker.barrier;

import io.custos.broker.crypto.Drbg;
import io.custos.engine.sdk.NonBlocking;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption for every stored value. Each {@link #encrypt} draws a fresh 256-bit data
 * key, encrypts the value with it (AES-256-GCM, random 96-bit nonce), and wraps the data key
 * under the keyring's active term. Layout, format 1:
 *
 * <pre>
 * [1: format] [4: term] [12+32+16: wrapped data key] [12+n+16: encrypted value]
 * </pre>
 *
 * The wrap authenticates format, term and storage path; the value authenticates format and
 * path. So a flipped byte, a row copied to another path, or a forged term fails with
 * {@link IntegrityException}, never wrong data. Re-wrapping ({@link #rewrap}) replaces only the
 * header: the value is not re-encrypted. Holds no key material while sealed.
 */
@jakarta.inject.Singleton
public final class AesGcmBarrier {
    public static final byte FORMAT_V1 = 1;
    static final int WRAPPED_KEY_BYTES = AesGcm.NONCE_BYTES + AesGcm.KEY_BYTES + AesGcm.TAG_BYTES;
    static final int HEADER_BYTES = 1 + 4 + WRAPPED_KEY_BYTES;
    public static final int OVERHEAD = HEADER_BYTES + AesGcm.NONCE_BYTES + AesGcm.TAG_BYTES;

    /** Where the barrier gets a newer keyring when an entry names a term it does not know yet. */
    @FunctionalInterface
    public interface KeyringSource {
        /** The keyring as stored now (every term); called when another node may have rotated. */
        Keyring reload();
    }

    private volatile Keyring keyring;
    private volatile KeyringSource source;
    /** Encryptions per term as stored (every node's), as of the last flush. */
    private volatile Map<Integer, Long> storedCounts = Map.of();
    /** Encryptions per term on this node not yet added to the stored counts. */
    private final Map<Integer, LongAdder> unflushed = new ConcurrentHashMap<>();

    public boolean isSealed() {
        return keyring == null;
    }

    public void unseal(Keyring ring, Map<Integer, Long> counts) {
        unseal(ring, counts, null);
    }

    /** Unseals with {@code ring}; {@code reloads} (may be null) serves terms another node added later. */
    public synchronized void unseal(Keyring ring, Map<Integer, Long> counts, KeyringSource reloads) {
        unflushed.clear();
        storedCounts = Map.copyOf(counts);
        this.source = reloads;
        this.keyring = ring;
    }

    /**
     * Installs a keyring with newer terms; new writes use its active term at once. An older or
     * equal keyring is ignored, so a slow reload can never take the barrier back a term.
     */
    public synchronized void install(Keyring ring) {
        Keyring current = requireKeyring();
        if (ring.active().number() > current.active().number()
                || ring.terms().size() > current.terms().size()) {
            this.keyring = ring;
        }
    }

    /** Forgets and wipes every key. */
    public synchronized void seal() {
        Keyring k = keyring;
        keyring = null;
        source = null;
        if (k != null) {
            k.destroy();
        }
        AesGcm.scrubAll();
    }

    public Keyring keyring() {
        return requireKeyring();
    }

    /** Encryptions under each term so far, on every node (for key-status and automatic rotation). */
    public Map<Integer, Long> encryptionCounts() {
        Map<Integer, Long> out = new TreeMap<>(storedCounts);
        unflushed.forEach((t, n) -> out.merge(t, n.sum(), Long::sum));
        return out;
    }

    public long encryptionsUnderActiveTerm() {
        return encryptionCounts().getOrDefault(requireKeyring().active().number(), 0L);
    }

    /** Takes this node's counts since the last flush (to be added to storage); {@link #restoreUnflushed} on failure. */
    public Map<Integer, Long> drainUnflushed() {
        Map<Integer, Long> out = new TreeMap<>();
        unflushed.forEach((t, n) -> {
            long v = n.sumThenReset();
            if (v != 0) {
                out.put(t, v);
            }
        });
        return out;
    }

    /** Puts back counts that could not be stored, so they are added at the next flush. */
    public void restoreUnflushed(Map<Integer, Long> counts) {
        counts.forEach((t, n) -> counter(t).add(n));
    }

    /** The stored totals after a flush (every node's encryptions). */
    public void storedCounts(Map<Integer, Long> totals) {
        storedCounts = Map.copyOf(totals);
    }

    public byte[] encrypt(String path, byte[] plaintext) {
        Keyring.Term term = requireKeyring().active();
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        // one DRBG draw: data key, then the two nonces
        byte[] fresh = new byte[AesGcm.KEY_BYTES + 2 * AesGcm.NONCE_BYTES];
        Drbg.fillRandom(fresh);
        byte[] dataKey = Arrays.copyOf(fresh, AesGcm.KEY_BYTES);
        byte[] out = new byte[OVERHEAD + plaintext.length];
        writeHeaderPrefix(out, term.number());
        System.arraycopy(fresh, AesGcm.KEY_BYTES, out, 5, AesGcm.NONCE_BYTES);
        System.arraycopy(fresh, AesGcm.KEY_BYTES + AesGcm.NONCE_BYTES, out, HEADER_BYTES, AesGcm.NONCE_BYTES);
        Arrays.fill(fresh, (byte) 0);
        // AAD: the header's format and term (out[0..5)) then the path; the value omits the term
        AesGcm.KEY_WRAP.sealWithNonceAt(term.key(), out, 5, pathBytes, dataKey, 0, dataKey.length, out, 5);
        AesGcm.DATA.sealWithNonceAt(new SecretKeySpec(dataKey, "AES"), out, 1, pathBytes, plaintext, 0,
                plaintext.length, out, HEADER_BYTES);
        Arrays.fill(dataKey, (byte) 0);
        counter(term.number()).increment();
        return out;
    }

    public byte[] decrypt(String path, byte[] blob) {
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        byte[] dataKey = unwrapDataKey(requireKeyring(), pathBytes, blob);
        try {
            return AesGcm.DATA.open(new SecretKeySpec(dataKey, "AES"), blob, 1, pathBytes, blob, HEADER_BYTES,
                    blob.length - HEADER_BYTES);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The same entry with its data key re-wrapped under the active term; the value bytes are untouched. */
    public byte[] rewrap(String path, byte[] blob) {
        Keyring ring = requireKeyring();
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        Keyring.Term active = ring.active();
        byte[] dataKey = unwrapDataKey(ring, pathBytes, blob);
        byte[] out = blob.clone();
        writeHeaderPrefix(out, active.number());
        byte[] nonce = Drbg.randomBytes(AesGcm.NONCE_BYTES);
        System.arraycopy(nonce, 0, out, 5, AesGcm.NONCE_BYTES);
        AesGcm.KEY_WRAP.sealWithNonceAt(active.key(), out, 5, pathBytes, dataKey, 0, dataKey.length, out, 5);
        Arrays.fill(dataKey, (byte) 0);
        counter(active.number()).increment();
        return out;
    }

    /**
     * The entry's data key, unwrapped with the term its header names (which the wrap
     * authenticates). A term newer than every term held here was added by another node: the
     * keyring is reloaded once before the entry is declared unreadable.
     */
    private byte[] unwrapDataKey(Keyring ring, byte[] pathBytes, byte[] blob) {
        int number = checkFormat(blob);
        Keyring.Term term = ring.term(number);
        if (term == null && number > ring.active().number()) {
            NonBlocking.check(); // a term added on another node: read from PostgreSQL, under the barrier's lock
            term = reloaded(number);
        }
        if (term == null) {
            throw new IntegrityException("entry names an unknown key term");
        }
        return AesGcm.KEY_WRAP.open(term.key(), blob, 5, pathBytes, blob, 5, WRAPPED_KEY_BYTES);
    }

    private synchronized Keyring.Term reloaded(int number) {
        Keyring current = requireKeyring();
        if (current.term(number) == null && source != null) {
            install(source.reload());
        }
        return requireKeyring().term(number);
    }

    /** The key term named in an entry's header. */
    public static int termOf(byte[] blob) {
        return checkFormat(blob);
    }

    private static int checkFormat(byte[] blob) {
        if (blob.length < OVERHEAD) {
            throw new IntegrityException("entry is truncated");
        }
        if (blob[0] != FORMAT_V1) {
            throw new IntegrityException("unknown barrier format " + blob[0]);
        }
        return ByteBuffer.wrap(blob, 1, 4).getInt();
    }

    private static void writeHeaderPrefix(byte[] out, int term) {
        out[0] = FORMAT_V1;
        ByteBuffer.wrap(out, 1, 4).putInt(term);
    }

    private Keyring requireKeyring() {
        Keyring k = keyring;
        if (k == null) {
            throw new SealedException();
        }
        return k;
    }

    private LongAdder counter(int term) {
        return unflushed.computeIfAbsent(term, t -> new LongAdder());
    }
}
