package io.custos.broker.barrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AesGcmBarrierTest {
    private final AesGcmBarrier barrier = new AesGcmBarrier();
    private final byte[] value = "the eagle lands at midnight".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void unseal() {
        barrier.unseal(Keyring.first(Instant.EPOCH), Map.of());
    }

    @Test
    void roundTripsAndUsesAFreshDataKeyAndNonceEachTime() {
        byte[] a = barrier.encrypt("logical/x/k", value);
        byte[] b = barrier.encrypt("logical/x/k", value);
        assertFalse(Arrays.equals(a, b));
        assertArrayEquals(value, barrier.decrypt("logical/x/k", a));
        assertEquals(value.length + AesGcmBarrier.OVERHEAD, a.length);
        assertEquals(2L, barrier.encryptionsUnderActiveTerm());
    }

    @Test
    void everyFlippedByteFailsIntegrity() {
        byte[] blob = barrier.encrypt("p", value);
        for (int i = 0; i < blob.length; i++) {
            byte[] bad = blob.clone();
            bad[i] ^= 0x40;
            int at = i;
            assertThrows(IntegrityException.class, () -> barrier.decrypt("p", bad), "byte " + at);
        }
    }

    @Test
    void aRowMovedToAnotherPathFails() {
        byte[] blob = barrier.encrypt("logical/a/secret", value);
        assertThrows(IntegrityException.class, () -> barrier.decrypt("logical/a/other", blob));
    }

    @Test
    void aForgedTermFails() {
        barrier.install(barrier.keyring().rotate(Instant.EPOCH));
        byte[] blob = barrier.encrypt("p", value);
        ByteBuffer.wrap(blob, 1, 4).putInt(1);
        assertThrows(IntegrityException.class, () -> barrier.decrypt("p", blob));
    }

    @Test
    void rewrapMovesTheDataKeyToTheActiveTermWithoutTouchingTheValue() {
        byte[] old = barrier.encrypt("p", value);
        barrier.install(barrier.keyring().rotate(Instant.EPOCH));
        byte[] rewrapped = barrier.rewrap("p", old);
        assertEquals(1, AesGcmBarrier.termOf(old));
        assertEquals(2, AesGcmBarrier.termOf(rewrapped));
        assertArrayEquals(Arrays.copyOfRange(old, AesGcmBarrier.HEADER_BYTES, old.length),
                Arrays.copyOfRange(rewrapped, AesGcmBarrier.HEADER_BYTES, rewrapped.length));
        assertArrayEquals(value, barrier.decrypt("p", rewrapped));
    }

    @Test
    void sealedBarrierRefusesEverything() {
        byte[] blob = barrier.encrypt("p", value);
        barrier.seal();
        assertThrows(SealedException.class, () -> barrier.encrypt("p", value));
        assertThrows(SealedException.class, () -> barrier.decrypt("p", blob));
    }

    @Test
    void aTermSerialisesToItsKeyAndInstallTimeAndNeverPrintsItsKey() {
        Keyring ring = Keyring.first(Instant.EPOCH).rotate(Instant.parse("2026-01-01T00:00:00Z"));
        Keyring.Term back = Keyring.Term.fromBytes(2, ring.active().toBytes());
        assertArrayEquals(ring.active().key().getEncoded(), back.key().getEncoded());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), back.installTime());
        assertFalse(ring.active().toString().contains(
                Base64.getEncoder().encodeToString(ring.active().key().getEncoded())));
    }

    @Test
    void anEntryUnderATermAddedByAnotherNodeIsReadAfterOneReload() {
        AesGcmBarrier other = new AesGcmBarrier();
        Keyring shared = barrier.keyring();
        Keyring rotated = shared.rotate(Instant.EPOCH);
        other.unseal(rotated, Map.of());
        byte[] blob = other.encrypt("p", value);
        int[] reloads = new int[1];
        barrier.unseal(shared, Map.of(), () -> {
            reloads[0]++;
            return rotated;
        });
        assertArrayEquals(value, barrier.decrypt("p", blob));
        assertArrayEquals(value, barrier.decrypt("p", blob));
        assertEquals(1, reloads[0]);
        assertEquals(2, barrier.keyring().active().number());
    }

    @Test
    void anOlderKeyringIsNeverInstalledOverANewerOne() {
        Keyring older = barrier.keyring();
        barrier.install(older.rotate(Instant.EPOCH));
        barrier.install(older);
        assertEquals(2, barrier.keyring().active().number());
    }

    @Test
    void sealingWipesEveryTermKey() {
        Keyring ring = barrier.keyring();
        barrier.seal();
        assertTrue(ring.active().key().isDestroyed());
        assertThrows(SealedException.class, () -> ring.active().key().getEncoded());
    }

    @Test
    void countsAreStoredTotalsPlusThisNodesUnflushedEncryptions() {
        barrier.unseal(barrier.keyring(), Map.of(1, 100L));
        barrier.encrypt("p", value);
        assertEquals(101L, barrier.encryptionsUnderActiveTerm());
        assertEquals(Map.of(1, 1L), barrier.drainUnflushed());
        barrier.storedCounts(Map.of(1, 250L)); // another node counted too
        assertEquals(250L, barrier.encryptionsUnderActiveTerm());
        barrier.restoreUnflushed(Map.of(1, 3L));
        assertEquals(253L, barrier.encryptionsUnderActiveTerm());
    }

    @Test
    void encryptionWorksAfterTheCiphersWereScrubbed() {
        byte[] blob = barrier.encrypt("p", value);
        AesGcm.scrubAll();
        assertArrayEquals(value, barrier.decrypt("p", blob));
    }
}
