package io.custos.engine.sdk;

/**
 * One mounted instance of a secrets engine: a {@link Backend} whose answers may carry leases,
 * which the broker hands back here to renew, revoke or roll back.
 */
public interface SecretsEngine extends Backend {

    /**
     * Extends a lease's secret to {@code lease.expireTime()} (e.g. moves a database user's
     * {@code VALID UNTIL}). Called by the broker before it records the renewal.
     */
    default void renewLease(LeaseData lease) {
        throw EngineException.badRequest("lease is not renewable");
    }

    /** Takes back what the lease handed out. Must be idempotent: it may be retried after a partial failure. */
    default void revokeLease(LeaseData lease) {
    }

    /**
     * Undoes a lease whose issuance never completed (the broker died, or a step failed): what
     * might have been created must not survive. Idempotent; by default the same as revocation.
     */
    default void rollbackLease(LeaseData lease) {
        revokeLease(lease);
    }
}
