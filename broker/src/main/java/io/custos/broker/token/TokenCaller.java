package io.custos.broker.token;

import io.custos.broker.policy.Acl;
import io.custos.engine.sdk.Caller;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Request;
import java.time.Duration;
import java.util.List;

/**
 * The caller of an authenticated request as the broker's own backends see it: the stored token
 * entry, the token as presented, its compiled ACL, the ACL's decision for this request (lease and
 * wrapping caps) and the wrapping TTL asked for (null when the answer is not to be wrapped).
 * Engines see it only as the SDK's {@link Caller}.
 */
public record TokenCaller(TokenEntry entry, String token, Acl acl, Acl.Decision decision, Duration wrapTtl)
        implements Caller {

    /** The caller of a request that went through token authentication. */
    public static TokenCaller of(Request request) {
        if (request.context().caller() instanceof TokenCaller c) {
            return c;
        }
        throw new EngineException(403, "permission denied");
    }

    /** The caller if the request carried a valid token (a path whose token is optional), else null. */
    public static TokenCaller ifAny(Request request) {
        return request.context().caller() instanceof TokenCaller c ? c : null;
    }

    @Override
    public String accessor() {
        return entry.accessor();
    }

    @Override
    public String displayName() {
        return entry.displayName();
    }

    @Override
    public List<String> policies() {
        return entry.policies();
    }

    @Override
    public String toString() {
        return "TokenCaller[" + entry.accessor() + "]";
    }
}
