package io.custos.broker.barrier;

/**
 * Data held under the keyring that key rotation moves onto the active term: the barrier's own
 * entries, and lease rows. Re-wrapping changes only the data-key wrapping, never the values, and
 * loses to a concurrent write.
 */
public interface Rewrappable {

    /** Re-wraps what is under a term older than {@code activeTerm}; returns how many were re-wrapped. */
    long rewrap(int activeTerm);

    /** How many items are still under an older term (0 when the implementation does not count). */
    default long pending(int activeTerm) {
        return 0;
    }

    /** How many items there are in all (0 when the implementation does not count). */
    default long total() {
        return 0;
    }

    /** How many items could not be re-wrapped (they failed their integrity check). */
    default long failed() {
        return 0;
    }
}
