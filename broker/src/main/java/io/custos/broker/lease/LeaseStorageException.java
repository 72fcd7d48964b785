package io.custos.broker.lease;

/** The lease table could not be read or written (storage down): a 503 to clients. */
public class LeaseStorageException extends RuntimeException {
    public LeaseStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
