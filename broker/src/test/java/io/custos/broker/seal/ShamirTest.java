package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ShamirTest {
    private final SecureRandom random = new SecureRandom();

    @ParameterizedTest(name = "{1} of {0}")
    @CsvSource({"1,1", "2,2", "3,2", "5,3", "7,4", "10,10"})
    void anyThresholdSubsetReconstructsAndOneFewerDoesNot(int n, int k) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<byte[]> shares = Shamir.split(secret, n, k, random);
        assertEquals(n, shares.size());
        for (List<byte[]> subset : subsets(shares, k)) {
            assertArrayEquals(secret, Shamir.combine(subset));
        }
        if (k > 1) {
            for (List<byte[]> subset : subsets(shares, k - 1)) {
                assertFalse(Arrays.equals(secret, Shamir.combine(subset)), "k-1 shares must not reveal the secret");
            }
        }
    }

    @Test
    void corruptedShareGivesADifferentSecret() {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<byte[]> shares = new ArrayList<>(Shamir.split(secret, 5, 3, random).subList(0, 3));
        shares.get(1)[7] ^= 0x01;
        assertFalse(Arrays.equals(secret, Shamir.combine(shares)));
    }

    @Test
    void duplicateAndMalformedSharesAreRefused() {
        List<byte[]> shares = Shamir.split(new byte[] {1, 2, 3}, 3, 2, random);
        assertThrows(IllegalArgumentException.class, () -> Shamir.combine(List.of(shares.get(0), shares.get(0))));
        assertThrows(IllegalArgumentException.class, () -> Shamir.combine(List.of(shares.get(0), new byte[] {1, 2})));
        assertThrows(IllegalArgumentException.class, () -> Shamir.split(new byte[] {1}, 2, 3, random));
    }

    @Test
    void fieldArithmeticIsConsistent() {
        for (int a = 1; a < 256; a++) {
            for (int b = 1; b < 256; b++) {
                assertEquals(a, Shamir.div(Shamir.mul(a, b), b));
            }
        }
        assertEquals(0xc1, Shamir.mul(0x57, 0x83)); // FIPS-197 worked example
    }

    private static List<List<byte[]>> subsets(List<byte[]> all, int k) {
        List<List<byte[]>> out = new ArrayList<>();
        collect(all, k, 0, new ArrayList<>(), out);
        return out.size() > 200 ? out.subList(0, 200) : out;
    }

    private static void collect(List<byte[]> all, int k, int from, List<byte[]> acc, List<List<byte[]>> out) {
        if (acc.size() == k) {
            out.add(new ArrayList<>(acc));
            return;
        }
        for (int i = from; i < all.size() && out.size() <= 200; i++) {
            acc.add(all.get(i));
            collect(all, k, i + 1, acc, out);
            acc.remove(acc.size() - 1);
        }
    }
}
