package io.custos.engine.sdk;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One mounted instance of an engine: answers requests for paths below its mount point. */
public interface SecretsEngine {

    Response handle(Request request);

    /** The declared paths, for help and the OpenAPI document. */
    List<PathSpec> paths();

    /**
     * The declaration serving {@code path} (relative to the mount), or null: the broker reads the
     * path's flags from it (unauthenticated, sudo, served while sealed, raw response).
     */
    default PathSpec pathFor(String path) {
        for (PathSpec spec : paths()) {
            if (spec.matches(path)) {
                return spec;
            }
        }
        return null;
    }

    /**
     * Whether a write to this path would create rather than update (Vault's existence check),
     * so policies can tell {@code create} from {@code update}.
     */
    default Operation classifyWrite(Request request) {
        return Operation.UPDATE;
    }

    /**
     * The parameters a policy's {@code allowed_parameters}, {@code denied_parameters} and
     * {@code required_parameters} apply to; by default the request's own fields. An engine whose
     * payload sits one level down (KV v2's {@code data}) returns that, so policies can constrain it.
     */
    default Map<String, Object> policyParameters(Request request) {
        return request.data();
    }

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

    /**
     * Called about once a second on one broker node at a time (Vault's periodic function), for
     * scheduled work such as rotating static credentials.
     */
    default void periodic(Instant now) {
    }

    /** The mount is going away (unmounted or sealed): release connections and threads. */
    default void shutdown() {
    }
}
