package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KeyRotationTest {

    @Test
    void theRotationBudgetIsClampedAsVaultClampsIt() {
        assertEquals(3_865_470_566L, KeyRotation.clampedMaxEncryptions(10_000_000_000L));
        assertEquals(3_865_470_566L, KeyRotation.clampedMaxEncryptions(Long.MAX_VALUE));
        assertEquals(1_000_000_000L, KeyRotation.clampedMaxEncryptions(1_000_000_000L));
        assertEquals(1L, KeyRotation.clampedMaxEncryptions(-5));
    }
}
