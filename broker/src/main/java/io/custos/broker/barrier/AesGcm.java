package io.custos.broker.barrier;

import io.custos.broker.crypto.Drbg;
import io.custos.broker.crypto.SlotPool;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM from {@link AesGcmProvider} (AWS-LC's on JDK 17, the JDK's AES-NI intrinsics from
 * JDK 21; either is 30x BouncyCastle's pure-Java GCM here), with pooled {@link Cipher}s per role
 * and pooled DRBGs ({@link SlotPool}: requests run on virtual threads, so per-thread instances
 * would be made anew for every request). Nonces are 96 random bits.
 *
 * <p>Why roles: both providers skip the key schedule when a cipher is re-initialised with the key
 * it last used. Key wrapping reuses the same keyring term over and over, so giving it ciphers of
 * their own ({@link #KEY_WRAP}) keeps its key schedule warm, and the data ciphers ({@link #DATA})
 * expand each fresh data key only once per encrypt-then-decrypt.
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

    private final SlotPool<Cipher> ciphers = new SlotPool<>(AesGcmProvider::newCipher);

    private AesGcm() {
    }

    /**
     * On seal: re-keys every pooled cipher with a throw-away key (an encryption of nothing, as
     * AWS-LC re-keys its native context at the first operation, not at {@code init}), so the
     * expanded key schedules of the keyring's and data keys no longer sit in their state, and
     * discards every pooled random byte. A cipher in use by a request still running is scrubbed
     * after it.
     */
    public static synchronized void scrubAll() {
        Drbg.discardBuffers();
        for (AesGcm role : new AesGcm[] {DATA, KEY_WRAP}) {
            SecretKeySpec dummy = new SecretKeySpec(Drbg.randomBytes(KEY_BYTES), "AES");
            role.ciphers.forEach(c -> {
                try {
                    c.init(Cipher.ENCRYPT_MODE, dummy, new GCMParameterSpec(TAG_BYTES * 8, Drbg.randomBytes(NONCE_BYTES)));
                    c.doFinal();
                } catch (GeneralSecurityException e) {
                    // a cipher that refuses a fresh AES key holds no state worth scrubbing
                }
            });
        }
    }

    /** A fresh AES-256 key. */
    public static byte[] randomKeyBytes() {
        return Drbg.randomBytes(KEY_BYTES);
    }

    /**
     * Encrypts into {@code out} after the nonce the caller has already put, fresh and random, at
     * {@code out[outOffset]} (so one DRBG call can serve several encryptions); returns the bytes
     * of nonce, ciphertext and tag, {@code NONCE_BYTES + ptLength + TAG_BYTES}.
     */
    public int sealWithNonceAt(SecretKey key, byte[] aadHead, int aadHeadLength, byte[] aadTail, byte[] plaintext,
            int ptOffset, int ptLength, byte[] out, int outOffset) {
        return ciphers.with(c -> {
            try {
                c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, out, outOffset, NONCE_BYTES));
                updateAad(c, aadHead, aadHeadLength, aadTail);
                return NONCE_BYTES + c.doFinal(plaintext, ptOffset, ptLength, out, outOffset + NONCE_BYTES);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM encryption failed", e);
            }
        });
    }

    /**
     * The AAD in one call: each of AWS-LC's {@code updateAAD} while encrypting is a JNI crossing
     * (pinning both arrays), which costs more than copying a path's worth of bytes.
     */
    private static void updateAad(Cipher c, byte[] head, int headLength, byte[] tail) {
        if (tail.length == 0) {
            c.updateAAD(head, 0, headLength);
        } else {
            byte[] aad = Arrays.copyOf(head, headLength + tail.length);
            System.arraycopy(tail, 0, aad, headLength, tail.length);
            c.updateAAD(aad);
        }
    }

    /** Nonce-prefixed ciphertext of {@code plaintext}. */
    public byte[] seal(byte[] key, byte[] aad, byte[] plaintext) {
        byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
        byte[] nonce = Drbg.randomBytes(NONCE_BYTES);
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
        return ciphers.with(c -> {
            try {
                c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, in, offset, NONCE_BYTES));
                updateAad(c, aadHead, aadHeadLength, aadTail);
                return c.doFinal(in, offset + NONCE_BYTES, length - NONCE_BYTES);
            } catch (AEADBadTagException e) {
                throw new IntegrityException("message authentication failed");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM decryption failed", e);
            }
        });
    }

    public byte[] open(byte[] key, byte[] aad, byte[] in) {
        return open(new SecretKeySpec(key, "AES"), aad, aad.length, NO_BYTES, in, 0, in.length);
    }
}
