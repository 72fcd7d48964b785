package io.custos.broker.dev;

/**
 * Dev mode's throwaway PostgreSQL, provided by the {@code dev} module (embedded PostgreSQL
 * binaries) through {@link java.util.ServiceLoader}, so the production jar carries none of it.
 */
public interface EmbeddedStorage extends AutoCloseable {

    /** Where the started server is reached. */
    record Connection(String jdbcUrl, String user, String password) {
        @Override
        public String toString() {
            return "Connection[" + jdbcUrl + ", user=" + user + "]";
        }
    }

    /** Starts the server (a fresh, temporary data directory) and says how to reach it. */
    Connection start();

    /** Stops the server and removes its data directory. */
    @Override
    void close();
}
