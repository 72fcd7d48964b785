package io.custos.broker.barrier;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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

    private volatile Keyring keyring;
    private final Map<Integer, LongAdder> encryptions = new ConcurrentHashMap<>();

    public boolean isSealed() {
        return keyring == null;
    }

    public void unseal(Keyring ring, Map<Integer, Long> storedCounts) {
        encryptions.clear();
        storedCounts.forEach((term, n) -> counter(term).add(n));
        this.keyring = ring;
    }

    /** Installs a rotated keyring; new writes use its active term at once. */
    public void install(Keyring ring) {
        requireKeyring();
        this.keyring = ring;
    }

    public void seal() {
        keyring = null;
    }

    public Keyring keyring() {
        return requireKeyring();
    }

    /** Encryptions performed under each term so far (for key-status and automatic rotation). */
    public Map<Integer, Long> encryptionCounts() {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        encryptions.forEach((t, n) -> out.put(t, n.sum()));
        return out;
    }

    public long encryptionsUnderActiveTerm() {
        return counter(requireKeyring().active().number()).sum();
    }

    public byte[] encrypt(String path, byte[] plaintext) {
        Keyring.Term term = requireKeyring().active();
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        // one DRBG draw: data key, then the two nonces
        byte[] fresh = new byte[AesGcm.KEY_BYTES + 2 * AesGcm.NONCE_BYTES];
        AesGcm.fillRandom(fresh);
        byte[] dataKey = java.util.Arrays.copyOf(fresh, AesGcm.KEY_BYTES);
        byte[] out = new byte[OVERHEAD + plaintext.length];
        writeHeaderPrefix(out, term.number());
        System.arraycopy(fresh, AesGcm.KEY_BYTES, out, 5, AesGcm.NONCE_BYTES);
        System.arraycopy(fresh, AesGcm.KEY_BYTES + AesGcm.NONCE_BYTES, out, HEADER_BYTES, AesGcm.NONCE_BYTES);
        java.util.Arrays.fill(fresh, (byte) 0);
        // AAD: the header's format and term (out[0..5)) then the path; the value omits the term
        AesGcm.KEY_WRAP.sealWithNonceAt(term.key(), out, 5, pathBytes, dataKey, 0, dataKey.length, out, 5);
        AesGcm.DATA.sealWithNonceAt(new SecretKeySpec(dataKey, "AES"), out, 1, pathBytes, plaintext, 0,
                plaintext.length, out, HEADER_BYTES);
        java.util.Arrays.fill(dataKey, (byte) 0);
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
            java.util.Arrays.fill(dataKey, (byte) 0);
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
        byte[] nonce = AesGcm.randomBytes(AesGcm.NONCE_BYTES);
        System.arraycopy(nonce, 0, out, 5, AesGcm.NONCE_BYTES);
        AesGcm.KEY_WRAP.sealWithNonceAt(active.key(), out, 5, pathBytes, dataKey, 0, dataKey.length, out, 5);
        java.util.Arrays.fill(dataKey, (byte) 0);
        counter(active.number()).increment();
        return out;
    }

    /** The entry's data key, unwrapped with the term its header names (which the wrap authenticates). */
    private static byte[] unwrapDataKey(Keyring ring, byte[] pathBytes, byte[] blob) {
        Keyring.Term term = ring.term(checkFormat(blob));
        if (term == null) {
            throw new IntegrityException("entry names an unknown key term");
        }
        return AesGcm.KEY_WRAP.open(term.key(), blob, 5, pathBytes, blob, 5, WRAPPED_KEY_BYTES);
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
        return encryptions.computeIfAbsent(term, t -> new LongAdder());
    }
}
