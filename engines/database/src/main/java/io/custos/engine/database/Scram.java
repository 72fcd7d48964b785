package io.custos.engine.database;

import org.postgresql.util.PasswordUtil;

/**
 * A PostgreSQL SCRAM-SHA-256 verifier ({@code SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>},
 * RFC 5802/7677 as PostgreSQL stores it), so with {@code password_authentication=scram-sha-256}
 * the clear password never reaches the server or its logs. Computed by pgjdbc's own encoder, which
 * applies SASLprep as PostgreSQL does: a password policy may produce non-ASCII characters, and a
 * verifier computed without SASLprep would not match what the server derives at login.
 */
final class Scram {
    static final int ITERATIONS = 4096;

    private Scram() {
    }

    /** A verifier with a fresh random salt and PostgreSQL's default 4096 iterations. */
    static String verifier(String password) {
        return PasswordUtil.encodeScramSha256(password.toCharArray());
    }

    static String verifier(String password, byte[] salt, int iterations) {
        return PasswordUtil.encodeScramSha256(password.toCharArray(), iterations, salt);
    }
}
