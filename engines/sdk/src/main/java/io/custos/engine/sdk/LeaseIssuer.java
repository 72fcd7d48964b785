package io.custos.engine.sdk;

import java.time.Duration;
import java.util.Map;

/**
 * The broker's lease manager as one request sees it (Vault's secret leases). An engine that hands
 * out something which must be taken back later (a database user) first {@linkplain #begin reserves}
 * a lease: the broker records it durably as pending, with the engine's revocation data, before the
 * engine creates anything. The effective TTL is decided here, from the role's values and the
 * broker's limits (mount tune, lease policies, the token's own life, the system maximum).
 */
public interface LeaseIssuer {

    /**
     * Records a pending lease. {@code roleDefaultTtl}/{@code roleMaxTtl} of zero mean "not set".
     * The returned lease must be {@linkplain PendingLease#commit committed} once the secret exists,
     * or closed (which rolls it back through the engine's {@link SecretsEngine#rollbackLease}).
     */
    PendingLease begin(Map<String, Object> internal, Duration roleDefaultTtl, Duration roleMaxTtl);
}
