package io.custos.engine.sdk;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What every mounted backend is to the broker — a secrets engine, an auth method, or one of the
 * broker's built-in mounts: it answers requests for paths below its mount point, declares those
 * paths (with their flags), and hears about its lifecycle.
 */
public interface Backend {

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
     * Called about once a second on one broker node at a time (Vault's periodic function), for
     * scheduled work such as rotating static credentials.
     */
    default void periodic(Instant now) {
    }

    /**
     * The connection pools this backend holds open to outside systems right now, for
     * {@code sys/metrics}; none by default. Called by a scrape: it must be cheap and must not fail.
     */
    default List<PoolUsage> connectionPools() {
        return List.of();
    }

    /** The mount is going away (unmounted or sealed): release connections and threads. */
    default void shutdown() {
    }

    /**
     * A storage entry of this mount changed on another node ({@code key} relative to the mount):
     * an engine or method that keeps in-memory state derived from storage (a connection pool, a
     * verifier built from its config, a decoded key) drops that state here and rebuilds it on next
     * use. An empty key means anything may have changed (the broker lost track for a while): drop
     * everything. The broker calls it; it must be cheap and must not fail.
     */
    default void invalidate(String key) {
    }
}
