package io.custos.engine.sdk;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One mounted instance of an engine: answers requests for paths below its mount point. */
public interface SecretsEngine {

    Response handle(Request request);

    /** The declared paths, for help and the OpenAPI document. */
    List<PathSpec> paths();

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
     * Paths (relative to the mount) answered without a token, such as an auth method's login. A
     * response with an {@code auth} block from such a path asks the broker to issue a token.
     */
    default Set<String> unauthenticatedPaths() {
        return Set.of();
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

    /**
     * Paths (relative to the mount, Vault's patterns: {@code *} suffix, {@code +} segment) that need
     * {@code sudo} on top of the operation's capability, such as PKI's {@code root}.
     */
    default Set<String> sudoPaths() {
        return Set.of();
    }

    /** The mount is going away (unmounted or sealed): release connections and threads. */
    default void shutdown() {
    }
}
