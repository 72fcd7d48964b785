package io.custos.broker.barrier;

/**
 * Something that keeps state derived from what lies behind the barrier (tokens, policies, audit
 * keys, mount tables) and must bring it up when the barrier opens and drop it when it closes.
 * The seal subscribes every listener; they are unsealed in ascending {@link #sealOrder()} and
 * sealed in the reverse order, so what is brought up first goes down last.
 */
public interface SealListener {

    /** The barrier is open: load what lives behind it. A failure seals the node again. */
    void onUnseal();

    /** The barrier is about to close: drop every secret held in memory. Must not fail. */
    void onSeal();

    /** The place in the unseal sequence (lower first). */
    int sealOrder();
}
