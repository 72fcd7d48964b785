package io.custos.broker.barrier;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * An AES key whose bytes can be wiped: unlike {@link javax.crypto.spec.SecretKeySpec}, whose copy
 * of the key lives until the garbage collector takes it, {@link #destroy} zeroes the only copy
 * this object holds. {@link #getEncoded} hands the cipher a copy (providers zero what they are
 * given); {@code toString} never shows the key.
 */
public final class AesKey implements SecretKey {
    private static final long serialVersionUID = 1L;
    private final transient byte[] bytes;
    private volatile boolean destroyed;

    /** Takes ownership of {@code bytes} (the caller must not keep using them). */
    public AesKey(byte[] bytes) {
        if (bytes.length != AesGcm.KEY_BYTES) {
            throw new IllegalArgumentException("an AES-256 key is " + AesGcm.KEY_BYTES + " bytes");
        }
        this.bytes = bytes;
    }

    @Override
    public String getAlgorithm() {
        return "AES";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new SealedException(); // wiped on seal while a request was still using it
        }
        return bytes.clone();
    }

    /** Copies the key into {@code out} at {@code offset} without making an intermediate copy. */
    void copyTo(byte[] out, int offset) {
        System.arraycopy(bytes, 0, out, offset, bytes.length);
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "AesKey[redacted]";
    }
}
