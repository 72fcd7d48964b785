package io.custos.broker.storage;

/** Storage could not be read or written (PostgreSQL down or refusing): a 503 to clients. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
