package io.custos.broker.lease;

import java.time.Instant;

/** One row of {@code custos_leases}; {@code data} is barrier ciphertext. */
record LeaseRow(String id, String path, String tokenAccessor, Instant issueTime, Instant expireTime,
        Instant maxExpireTime, Instant lastRenewal, long ttlSeconds, boolean renewable, int state, int attempts,
        String lastError, Instant dueTime, byte[] data, int keyTerm) {

    static final int PENDING = 0;
    static final int ACTIVE = 1;
    static final int IRREVOCABLE = 2;

    String stateName() {
        return switch (state) {
            case PENDING -> "pending";
            case ACTIVE -> "active";
            default -> "irrevocable";
        };
    }

    @Override
    public String toString() {
        return "LeaseRow[" + id + ", " + stateName() + "]";
    }
}
