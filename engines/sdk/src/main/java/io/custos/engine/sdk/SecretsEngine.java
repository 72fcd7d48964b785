package io.custos.engine.sdk;

import java.util.List;

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
    default java.util.Map<String, Object> policyParameters(Request request) {
        return request.data();
    }

    /**
     * Paths (relative to the mount) answered without a token, such as an auth method's login. A
     * response with an {@code auth} block from such a path asks the broker to issue a token.
     */
    default java.util.Set<String> unauthenticatedPaths() {
        return java.util.Set.of();
    }
}
