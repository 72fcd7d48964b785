package io.custos.broker.seal;

/** What sys/seal-status reports. */
public record SealStatus(String type, boolean initialized, boolean sealed, int threshold, int shares,
        int progress, String nonce, boolean recoverySeal) {
}
