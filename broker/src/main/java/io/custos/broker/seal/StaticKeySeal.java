package io.custos.broker.seal;

import io.custos.broker.barrier.AesGcm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Auto-unseal with a 256-bit key supplied by file or environment variable. */
public final class StaticKeySeal implements AutoSeal {
    private static final byte[] AAD = "custos/root-key/static".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RECOVERY_AAD = "custos/recovery-key/static".getBytes(StandardCharsets.UTF_8);
    private final byte[] key;

    public StaticKeySeal(byte[] key) {
        if (key.length != AesGcm.KEY_BYTES) {
            throw new IllegalArgumentException("the seal key must be 32 bytes (base64-encoded), got " + key.length);
        }
        this.key = key.clone();
    }

    @Override
    public String type() {
        return "static";
    }

    @Override
    public byte[] wrapRootKey(byte[] rootKey) {
        return AesGcm.DATA.seal(key, AAD, rootKey);
    }

    @Override
    public byte[] unwrapRootKey(byte[] wrapped) {
        return AesGcm.DATA.open(key, AAD, wrapped);
    }

    @Override
    public byte[] wrapRecoveryKey(byte[] recoveryKey) {
        return AesGcm.DATA.seal(key, RECOVERY_AAD, recoveryKey);
    }

    @Override
    public byte[] unwrapRecoveryKey(byte[] wrapped) {
        return AesGcm.DATA.open(key, RECOVERY_AAD, wrapped);
    }

    @Override
    public boolean matchesKey(byte[] candidate) {
        return MessageDigest.isEqual(key, candidate);
    }

    @Override
    public String toString() {
        return "StaticKeySeal[key redacted]";
    }
}
