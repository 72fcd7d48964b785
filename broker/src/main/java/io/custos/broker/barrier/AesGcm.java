package io.custos.broker.barrier;

import java.security.DrbgParameters;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK provider (AES-NI intrinsics; 30x BouncyCastle's pure-Java GCM
 * here), with one {@link Cipher} per thread per role and one DRBG per thread. Nonces are 96
 * random bits.
 *
 * <p>Why roles: the JDK's AES skips the key schedule when a cipher is re-initialised with the key
 * it last used. Key wrapping reuses the same keyring term over and over, so giving it a cipher of
 * its own ({@link #KEY_WRAP}) keeps its key schedule warm, and the data cipher ({@link #DATA})
 * expands each fresh data key only once per encrypt-then-decrypt.
 */
public final class AesGcm {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;
    private static final byte[] NO_BYTES = new byte[0];

    /** For values and one-off keys (root key, keyring, seal). */
    public static final AesGcm DATA = new AesGcm();
    /** For wrapping data keys under a keyring term. */
    public static final AesGcm KEY_WRAP = new AesGcm();

    /** Every cipher any thread made, so sealing can overwrite their key schedules (weak: dead threads' go). */
    private final Set<Cipher> all = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final ThreadLocal<Cipher> cipher = ThreadLocal.withInitial(() -> {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            all.add(c);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });
    /** A DRBG instantiated at 256-bit strength (the JDK's default is 128), as AES-256 keys need. */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG",
                    DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no DRBG at 256-bit strength", e);
        }
    });

    /**
     * Random bytes are drawn from the DRBG a kilobyte at a time and handed out in order (each
     * piece zeroed once given): one DRBG call costs about as much as 4 of the 56-byte draws an
     * encryption needs, so batching saves most of it. A seal discards every buffer (the epoch
     * moves on, and a buffer from an older epoch is wiped and refilled before any use), so bytes
     * drawn before a seal never become keys after it.
     */
    private static final int POOL_BYTES = 1024;
    private static volatile long epoch;

    private static final class Pool {
        final byte[] bytes = new byte[POOL_BYTES];
        int next = POOL_BYTES;
        long epoch = -1;
    }

    private static final ThreadLocal<Pool> POOL = ThreadLocal.withInitial(Pool::new);

    private AesGcm() {
    }

    /**
     * On seal: re-initialises every thread's ciphers with a throw-away key, so the expanded key
     * schedules of the keyring's and data keys no longer sit in their state. Each cipher is
     * locked while it is used and while it is scrubbed, so a request still running is not corrupted.
     */
    public static void scrubAll() {
        epoch++; // every thread's pooled random bytes are discarded before their next use
        for (AesGcm role : new AesGcm[] {DATA, KEY_WRAP}) {
            List<Cipher> ciphers;
            synchronized (role.all) {
                ciphers = new ArrayList<>(role.all);
            }
            SecretKeySpec dummy = new SecretKeySpec(randomBytes(KEY_BYTES), "AES");
            for (Cipher c : ciphers) {
                synchronized (c) {
                    try {
                        c.init(Cipher.ENCRYPT_MODE, dummy, new GCMParameterSpec(TAG_BYTES * 8, randomBytes(NONCE_BYTES)));
                    } catch (GeneralSecurityException e) {
                        // a cipher that refuses a fresh AES key holds no state worth scrubbing
                    }
                }
            }
        }
    }

    /** Fills {@code out} with random bytes from this thread's DRBG (through its pool, for small requests). */
    public static void fillRandom(byte[] out) {
        if (out.length > POOL_BYTES / 4) {
            RANDOM.get().nextBytes(out);
            return;
        }
        Pool p = POOL.get();
        long now = epoch;
        if (p.epoch != now || POOL_BYTES - p.next < out.length) {
            RANDOM.get().nextBytes(p.bytes);
            p.next = 0;
            p.epoch = now;
        }
        System.arraycopy(p.bytes, p.next, out, 0, out.length);
        Arrays.fill(p.bytes, p.next, p.next + out.length, (byte) 0);
        p.next += out.length;
    }

    public static SecureRandom random() {
        return RANDOM.get();
    }

    /** A fresh AES-256 key. */
    public static byte[] randomKeyBytes() {
        return randomBytes(KEY_BYTES);
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        fillRandom(b);
        return b;
    }

    /**
     * Encrypts into {@code out} after the nonce the caller has already put, fresh and random, at
     * {@code out[outOffset]} (so one DRBG call can serve several encryptions); returns the bytes
     * of nonce, ciphertext and tag, {@code NONCE_BYTES + ptLength + TAG_BYTES}.
     */
    public int sealWithNonceAt(SecretKey key, byte[] aadHead, int aadHeadLength, byte[] aadTail, byte[] plaintext,
            int ptOffset, int ptLength, byte[] out, int outOffset) {
        try {
            Cipher c = cipher.get();
            synchronized (c) { // uncontended but for scrubAll on seal
                c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, out, outOffset, NONCE_BYTES));
                c.updateAAD(aadHead, 0, aadHeadLength);
                c.updateAAD(aadTail);
                return NONCE_BYTES + c.doFinal(plaintext, ptOffset, ptLength, out, outOffset + NONCE_BYTES);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Nonce-prefixed ciphertext of {@code plaintext}. */
    public byte[] seal(byte[] key, byte[] aad, byte[] plaintext) {
        byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
        byte[] nonce = randomBytes(NONCE_BYTES);
        System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
        sealWithNonceAt(new SecretKeySpec(key, "AES"), aad, aad.length, NO_BYTES, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /** Decrypts nonce-prefixed ciphertext; an altered byte, key or AAD is an {@link IntegrityException}. */
    public byte[] open(SecretKey key, byte[] aadHead, int aadHeadLength, byte[] aadTail, byte[] in, int offset,
            int length) {
        if (length < NONCE_BYTES + TAG_BYTES) {
            throw new IntegrityException("ciphertext is truncated");
        }
        try {
            Cipher c = cipher.get();
            synchronized (c) {
                c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, in, offset, NONCE_BYTES));
                c.updateAAD(aadHead, 0, aadHeadLength);
                c.updateAAD(aadTail);
                return c.doFinal(in, offset + NONCE_BYTES, length - NONCE_BYTES);
            }
        } catch (AEADBadTagException e) {
            throw new IntegrityException("message authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    public byte[] open(byte[] key, byte[] aad, byte[] in) {
        return open(new SecretKeySpec(key, "AES"), aad, aad.length, NO_BYTES, in, 0, in.length);
    }
}
