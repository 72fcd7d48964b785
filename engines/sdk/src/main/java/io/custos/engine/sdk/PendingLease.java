package io.custos.engine.sdk;

import java.time.Duration;
import java.time.Instant;

/**
 * A lease recorded as pending: its id and the expiry the engine must enforce on the secret it is
 * about to create (e.g. PostgreSQL's {@code VALID UNTIL}). While it is open the record is locked,
 * so no expiry worker rolls it back under the engine's feet; if the broker dies, the lock goes
 * with its connection and a worker rolls the lease back, so nothing created is left unowned.
 */
public interface PendingLease extends AutoCloseable {

    String id();

    Instant expireTime();

    Duration ttl();

    /**
     * Makes the lease active and returns {@code response} carrying its id, duration and
     * renewability in Vault's envelope. Throws if the record can no longer be committed
     * (the caller then closes it, which rolls the secret back).
     */
    Response commit(Response response, boolean renewable);

    /** Rolls back (engine rollback, record removed) unless committed; never throws for a committed lease. */
    @Override
    void close();
}
