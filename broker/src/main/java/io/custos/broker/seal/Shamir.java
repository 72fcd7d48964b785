package io.custos.broker.seal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir's secret sharing over GF(2^8) (the AES field, x^8+x^4+x^3+x+1), byte by byte, as Vault's
 * {@code shamir} package does: each share is the polynomial values followed by its one-byte
 * x-coordinate. Any {@code threshold} distinct shares reconstruct the secret; fewer reveal nothing.
 */
public final class Shamir {

    private Shamir() {
    }

    /**
     * Multiplication in GF(2^8) without tables or branches on the operands (as Vault's current
     * {@code mult}): secret bytes never choose a memory address or a branch, so their timing and
     * cache footprint do not depend on them.
     */
    static int mul(int a, int b) {
        int r = 0;
        for (int i = 7; i >= 0; i--) {
            r = (-((b >> i) & 1) & a) ^ (-(r >> 7) & 0x1b) ^ ((r << 1) & 0xff);
            r &= 0xff;
        }
        return r;
    }

    /** a^254 = a^-1 by a fixed chain of multiplications (0 maps to 0). */
    static int inverse(int a) {
        int b = mul(a, a);
        int c = mul(a, b);
        b = mul(c, c);
        b = mul(b, b);
        c = mul(b, c);
        b = mul(b, b);
        b = mul(b, b);
        b = mul(b, c);
        b = mul(b, b);
        b = mul(a, b);
        return mul(b, b);
    }

    static int div(int a, int b) {
        if (b == 0) {
            throw new ArithmeticException("division by zero in GF(256)");
        }
        return mul(a, inverse(b)); // a = 0 gives 0 without a branch: mul(0, x) = 0
    }

    public static List<byte[]> split(byte[] secret, int parts, int threshold, SecureRandom random) {
        if (parts < threshold || parts > 255 || threshold < 1) {
            throw new IllegalArgumentException("need 1 <= threshold <= parts <= 255");
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("cannot split an empty secret");
        }
        // distinct non-zero x-coordinates in random order
        List<Integer> xs = new ArrayList<>();
        for (int i = 1; i <= 255; i++) {
            xs.add(i);
        }
        Collections.shuffle(xs, random);
        List<byte[]> shares = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            byte[] share = new byte[secret.length + 1];
            share[secret.length] = (byte) (int) xs.get(p);
            shares.add(share);
        }
        int[] coeffs = new int[threshold];
        for (int b = 0; b < secret.length; b++) {
            coeffs[0] = secret[b] & 0xff;
            for (int c = 1; c < threshold; c++) {
                coeffs[c] = random.nextInt(256);
            }
            for (byte[] share : shares) {
                int x = share[secret.length] & 0xff;
                int y = 0;
                for (int c = threshold - 1; c >= 0; c--) { // Horner
                    y = mul(y, x) ^ coeffs[c];
                }
                share[b] = (byte) y;
            }
            Arrays.fill(coeffs, 0);
        }
        return shares;
    }

    public static byte[] combine(List<byte[]> shares) {
        if (shares.isEmpty()) {
            throw new IllegalArgumentException("no shares to combine");
        }
        int len = shares.get(0).length;
        if (len < 2) {
            throw new IllegalArgumentException("shares must be at least two bytes long");
        }
        Set<Integer> seen = new HashSet<>();
        for (byte[] s : shares) {
            if (s.length != len) {
                throw new IllegalArgumentException("all shares must be the same length");
            }
            int x = s[len - 1] & 0xff;
            if (x == 0 || !seen.add(x)) {
                throw new IllegalArgumentException("duplicate or invalid share");
            }
        }
        byte[] secret = new byte[len - 1];
        for (int b = 0; b < len - 1; b++) {
            int acc = 0;
            for (int i = 0; i < shares.size(); i++) {
                int xi = shares.get(i)[len - 1] & 0xff;
                int basis = 1; // Lagrange basis polynomial evaluated at 0
                for (int j = 0; j < shares.size(); j++) {
                    if (i != j) {
                        int xj = shares.get(j)[len - 1] & 0xff;
                        basis = mul(basis, div(xj, xj ^ xi));
                    }
                }
                acc ^= mul(shares.get(i)[b] & 0xff, basis);
            }
            secret[b] = (byte) acc;
        }
        return secret;
    }
}
