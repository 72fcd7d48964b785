package io.custos.broker.seal;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.storage.PhysicalStorage;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import jakarta.inject.Singleton;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The key whose shares operators hold: with Shamir, the unseal key (it wraps the root key); with
 * an auto-seal, the recovery key (wrapped by the seal). Root generation proves possession of it;
 * a rekey replaces it (and its shares) so the old shares stop working. The replacement and its
 * share configuration are written in one statement.
 */
@Singleton
public class OperatorKey {
    private final PhysicalStorage physical;
    private final Core core;

    /** A new key and its shares, not yet in force. */
    public record NewKey(byte[] key, List<byte[]> shares, int threshold) {
        @Override
        public String toString() {
            return "NewKey[" + shares.size() + " shares, threshold " + threshold + ", redacted]";
        }
    }

    public OperatorKey(PhysicalStorage physical, Core core) {
        this.physical = physical;
        this.core = core;
    }

    /** Whether the operators' key is an auto-seal's recovery key (else the Shamir unseal key). */
    public boolean isRecovery() {
        return core.autoSeal().isPresent();
    }

    /** How many shares rebuild the current key. */
    public int threshold() {
        return config().secretThreshold();
    }

    /** The current key's share count and threshold; a 400 for an auto-seal initialised without recovery keys. */
    Core.SealConfig config() {
        if (isRecovery()) {
            return core.recoveryConfig().orElseThrow(() -> EngineException.badRequest("this broker was initialised "
                    + "without recovery keys (recovery_shares at sys/init); nothing can prove the operators' quorum"));
        }
        return core.sealConfig().orElseThrow(() -> EngineException.badRequest("Custos is not initialized"));
    }

    /** Splits {@code key}: one share is the key itself, as Vault does for a single share. */
    static List<byte[]> split(byte[] key, int shares, int threshold) {
        return shares == 1 ? List.of(key.clone()) : Shamir.split(key, shares, threshold, Drbg.random());
    }

    /** Checks a share's length before it is kept (a 400 naming the expected length). */
    public void checkShareLength(byte[] share) {
        int expected = config().secretShares() == 1 ? AesGcm.KEY_BYTES : AesGcm.KEY_BYTES + 1;
        if (share.length != expected) {
            throw EngineException.badRequest("a key share must be " + expected + " bytes, got " + share.length);
        }
    }

    /** Reconstructs the key from a threshold of shares and checks it; a 400 when they do not make the key. */
    public void verify(List<byte[]> shares) {
        Core.SealConfig c = config();
        byte[] key;
        try {
            key = c.secretShares() == 1 ? shares.get(0).clone() : Shamir.combine(shares);
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("the key shares are invalid: " + e.getMessage());
        }
        try {
            if (isRecovery()) {
                byte[] stored = core.autoSeal().orElseThrow().unwrapRecoveryKey(
                        physical.getCore(Core.RECOVERY_KEY).orElseThrow());
                boolean same = MessageDigest.isEqual(stored, key);
                Arrays.fill(stored, (byte) 0);
                if (!same) {
                    throw new IntegrityException("recovery key mismatch");
                }
            } else {
                Arrays.fill(AesGcm.DATA.open(key, Core.ROOT_KEY_AAD, physical.getCore(Core.ROOT_KEY).orElseThrow()),
                        (byte) 0);
            }
        } catch (IntegrityException e) {
            throw EngineException.badRequest("the key shares do not reconstruct the " + name()
                    + " (a share is wrong or corrupted)");
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** {@code unseal key} or {@code recovery key}. */
    public String name() {
        return isRecovery() ? "recovery key" : "unseal key";
    }

    /** A fresh key split into {@code shares}, of which {@code threshold} rebuild it (validated as sys/init's). */
    public NewKey generate(int shares, int threshold) {
        Core.validateShares(shares, threshold, "secret");
        byte[] key = AesGcm.randomKeyBytes();
        return new NewKey(key, split(key, shares, threshold), threshold);
    }

    /** Whether {@code shares} (a threshold of a new key's) rebuild {@code expected}; constant time. */
    public static boolean rebuilds(List<byte[]> shares, byte[] expected) {
        byte[] key;
        try {
            key = shares.size() == 1 && shares.get(0).length == AesGcm.KEY_BYTES ? shares.get(0).clone()
                    : Shamir.combine(shares);
        } catch (IllegalArgumentException e) {
            return false;
        }
        boolean same = MessageDigest.isEqual(key, expected);
        Arrays.fill(key, (byte) 0);
        return same;
    }

    /**
     * Puts {@code next} in force: the root key wrapped under the new unseal key (this node must be
     * unsealed), or the new recovery key wrapped by the auto-seal; with its share configuration.
     */
    public void install(byte[] key, int shares, int threshold) {
        if (isRecovery()) {
            physical.putCores(Core.RECOVERY_KEY, core.autoSeal().orElseThrow().wrapRecoveryKey(key),
                    Core.RECOVERY_CONFIG, Json.write(new Core.SealConfig("shamir", shares, threshold)));
        } else {
            byte[] wrapped = AesGcm.DATA.seal(key, Core.ROOT_KEY_AAD, core.requireRootKey());
            physical.putCores(Core.ROOT_KEY, wrapped, Core.SEAL_CONFIG,
                    Json.write(new Core.SealConfig(config().type(), shares, threshold)));
        }
    }
}
