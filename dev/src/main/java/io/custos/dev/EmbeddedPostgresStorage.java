package io.custos.dev;

import io.custos.broker.dev.EmbeddedStorage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Dev mode's PostgreSQL: zonky's embedded binaries in a temporary data directory. */
public final class EmbeddedPostgresStorage implements EmbeddedStorage {
    private EmbeddedPostgres server;

    @Override
    public Connection start() {
        try {
            server = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
        return new Connection(server.getJdbcUrl("postgres", "postgres"), "postgres", "");
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                // the process is exiting; the data directory was temporary
            }
        }
    }
}
