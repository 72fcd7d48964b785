package io.custos.broker.barrier;

/** Stored ciphertext failed authentication: altered, truncated, moved to another path, or the wrong key. */
public class IntegrityException extends RuntimeException {
    public IntegrityException(String message) {
        super(message, null, false, false);
    }
}
