package io.custos.broker.token;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.crypto.SlotPool;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token store's keys behind the barrier, in memory only while unsealed: the HMAC key tokens
 * and accessors are found by (pooled MACs, scrubbed at seal), the key batch tokens are sealed
 * under, and the random token and accessor strings themselves.
 */
final class TokenKeys {
    private static final byte[] BATCH_AAD = "custos batch token v1".getBytes(StandardCharsets.US_ASCII);

    /** A pooled MAC and the key it was last initialised with. */
    private static final class KeyedMac {
        final Mac mac;
        byte[] key;

        KeyedMac() {
            try {
                mac = Mac.getInstance("HmacSHA256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Pooled MACs (requests run on virtual threads: per-thread MACs would be made per request). */
    private final SlotPool<KeyedMac> macs = new SlotPool<>(KeyedMac::new);
    private volatile byte[] hmacKey;
    private volatile byte[] batchKey;

    void load(byte[] hmac, byte[] batch) {
        hmacKey = hmac;
        batchKey = batch;
    }

    /** Drops both keys and scrubs every pooled MAC's key state. */
    void wipe() {
        byte[] key = hmacKey;
        hmacKey = null;
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
        byte[] bk = batchKey;
        batchKey = null;
        if (bk != null) {
            Arrays.fill(bk, (byte) 0);
        }
        SecretKeySpec dummy = new SecretKeySpec(Drbg.randomBytes(32), "HmacSHA256");
        macs.forEach(m -> {
            try {
                m.mac.init(dummy); // the key's ipad/opad state goes with it
                m.key = null;
            } catch (GeneralSecurityException e) {
                // a MAC that refuses a fresh key holds no state worth scrubbing
            }
        });
    }

    /** A batch token's body: the entry sealed with AES-256-GCM under the batch key, base64url. */
    String sealBatch(byte[] entry) {
        byte[] key = batchKey;
        if (key == null) {
            throw new SealedException();
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(AesGcm.DATA.seal(key, BATCH_AAD, entry));
    }

    /** A batch token body opened, if it is one of ours (unaltered, under this storage's key). */
    Optional<byte[]> openBatch(String body) {
        byte[] key = batchKey;
        if (key == null) {
            throw new SealedException();
        }
        try {
            return Optional.of(AesGcm.DATA.open(key, BATCH_AAD, Base64.getUrlDecoder().decode(body)));
        } catch (IllegalArgumentException | IntegrityException e) {
            return Optional.empty(); // forged, altered or from another installation: no such token
        }
    }

    String hash(String value) {
        byte[] key = hmacKey;
        if (key == null) {
            throw new SealedException();
        }
        byte[] input = value.getBytes(StandardCharsets.UTF_8);
        return macs.with(m -> {
            if (m.key != key) {
                try {
                    m.mac.init(new SecretKeySpec(key, "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
                m.key = key;
            }
            return HexFormat.of().formatHex(m.mac.doFinal(input));
        });
    }
}
