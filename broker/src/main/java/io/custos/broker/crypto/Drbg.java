package io.custos.broker.crypto;

import java.security.DrbgParameters;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The broker's random numbers: a DRBG at 256-bit strength, pooled per request slot. Everything that
 * needs randomness — nonces and keys in the barrier, tokens, accessors, lease ids, the tools'
 * random bytes, Shamir's shares — draws from here, not from the barrier.
 */
public final class Drbg {
    /**
     * A DRBG instantiated at 256-bit strength (the JDK's default is 128), as AES-256 keys need,
     * with bytes drawn a kilobyte at a time and handed out in order (each piece zeroed once
     * given): one DRBG call costs about as much as 4 of the 56-byte draws an encryption needs, so
     * batching saves most of it. A seal discards every buffer (the epoch moves on, and a buffer
     * from an older epoch is refilled before any use), so bytes drawn before a seal never become
     * keys after it.
     */
    private static final class RandomSource {
        static final int BYTES = 1024;
        final SecureRandom drbg = newDrbg();
        final byte[] bytes = new byte[BYTES];
        int next = BYTES;
        long epoch = -1;

        void fill(byte[] out) {
            long now = Drbg.epoch;
            if (epoch != now || BYTES - next < out.length) {
                drbg.nextBytes(bytes);
                next = 0;
                epoch = now;
            }
            System.arraycopy(bytes, next, out, 0, out.length);
            Arrays.fill(bytes, next, next + out.length, (byte) 0);
            next += out.length;
        }
    }

    private static final SlotPool<RandomSource> RANDOM = new SlotPool<>(RandomSource::new);
    /** For callers that need a {@link SecureRandom} object (Shamir's split); the JDK's DRBG is thread-safe. */
    private static final SecureRandom SHARED = newDrbg();
    private static volatile long epoch;

    private static SecureRandom newDrbg() {
        try {
            return SecureRandom.getInstance("DRBG",
                    DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no DRBG at 256-bit strength", e);
        }
    }

    private Drbg() {
    }

    /** On seal: every buffered byte is discarded (a buffer from an older epoch is refilled before use). */
    public static void discardBuffers() {
        epoch++;
    }

    /** Fills {@code out} with random bytes from a 256-bit-strength DRBG. */
    public static void fillRandom(byte[] out) {
        if (out.length > RandomSource.BYTES / 4) {
            SHARED.nextBytes(out);
            return;
        }
        RANDOM.with(r -> {
            r.fill(out);
            return null;
        });
    }

    /** For callers that need a {@link SecureRandom} object (Shamir's split); the JDK's DRBG is thread-safe. */
    public static SecureRandom random() {
        return SHARED;
    }

    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    /** {@code n} uniformly random base62 characters (bytes ≥ 248 are rejected, so there is no bias). */
    public static String base62(int n) {
        StringBuilder out = new StringBuilder(n);
        while (out.length() < n) {
            for (byte b : randomBytes(n + 8)) {
                int v = b & 0xff;
                if (v < 248 && out.length() < n) {
                    out.append(BASE62[v % 62]);
                }
            }
        }
        return out.toString();
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        fillRandom(b);
        return b;
    }
}
