package io.custos.broker.lease;

import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.config.LeaseConfiguration;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sys/leases/} (and Vault's older {@code sys/renew}, {@code sys/revoke*} aliases): lookup,
 * listing, renewal, revocation (asynchronous unless {@code sync=true}), prefix and forced
 * revocation, and the irrevocable leases with their counts. Paths are relative to {@code sys/}.
 */
@Singleton
public class LeaseBackend extends FrameworkBackend {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseBackend.class);
    private static final Field LEASE_ID = Field.of("lease_id", FieldType.STRING, "The lease's id.");
    private static final Field URL_LEASE_ID = Field.of("url_lease_id", FieldType.STRING,
            "The lease's id, given in the path instead of the body.");
    private static final Field PREFIX = Field.of("prefix", FieldType.STRING, "The lease id prefix to revoke.");
    private static final Field SYNC = Field.of("sync", FieldType.BOOL,
            "Wait for the revocation to finish (204) instead of queueing it (202); the default is "
                    + "custos.leases.revoke-sync-by-default (true, as Vault).");
    private static final Field INCREMENT = Field.of("increment", FieldType.DURATION,
            "The new TTL, counted from now; the lease's original TTL when omitted.");

    private final LeaseManager leases;
    private final Clock clock;
    private final boolean syncByDefault;

    private final AtomicBoolean tidying = new AtomicBoolean();

    public LeaseBackend(LeaseManager leases, Clock clock, LeaseConfiguration config) {
        this.leases = leases;
        this.clock = clock;
        this.syncByDefault = config.isRevokeSyncByDefault();
    }

    private boolean sync(FieldData d) {
        return d.has("sync") ? d.getBool("sync") : syncByDefault;
    }

    @Override
    protected List<PathSpec> declarePaths() {
        List<PathSpec> out = new ArrayList<>();
        for (String base : List.of("leases/renew", "renew")) {
            out.add(renewPath(base));
            out.add(renewPath(base + "/(?P<url_lease_id>.+)"));
        }
        for (String base : List.of("leases/revoke", "revoke")) {
            out.add(revokePath(base));
            out.add(revokePath(base + "/(?P<url_lease_id>.+)"));
        }
        out.addAll(List.of(
                PathSpec.path("leases/lookup")
                        .fields(LEASE_ID)
                        .on(UPDATE, (r, d) -> lookup(required(d.getString("lease_id"))))
                        .help("Looks up a lease's times and renewability.", "")
                        .build(),
                PathSpec.path("leases/lookup/?(?P<prefix>.*)")
                        .fields(PREFIX)
                        .on(LIST, (r, d) -> Response.listOf(leases.list(folder(d.getString("prefix")))))
                        .help("Lists lease ids below a prefix (sudo).", "")
                        .sudo()
                        .build(),
                prefixPath("leases/revoke-prefix/(?P<prefix>.+)", false),
                prefixPath("revoke-prefix/(?P<prefix>.+)", false),
                prefixPath("leases/revoke-force/(?P<prefix>.+)", true),
                prefixPath("revoke-force/(?P<prefix>.+)", true),
                tidyPath(),
                PathSpec.path("leases/count")
                        .fields(Field.of("type", FieldType.STRING, "irrevocable, or all (the default)."),
                                Field.of("include_child_namespaces", FieldType.BOOL, "Accepted; Custos has no namespaces."))
                        .on(READ, (r, d) -> count(d.getString("type")))
                        .help("Counts leases, or only the irrevocable ones.", "")
                        .build(),
                PathSpec.path("leases")
                        .fields(Field.of("type", FieldType.STRING, "irrevocable (the only listing offered)."),
                                Field.of("limit", FieldType.STRING, "At most this many (default 10000)."),
                                Field.of("include_child_namespaces", FieldType.BOOL, "Accepted; Custos has no namespaces."))
                        .on(READ, (r, d) -> irrevocable(d))
                        .help("Lists the irrevocable leases with their last error.", "")
                        .build()));
        return out;
    }

    /** Revokes, in the background, the leases whose token is gone. */
    private PathSpec tidyPath() {
        return PathSpec.path("leases/tidy")
                .on(UPDATE, (r, d) -> {
                    if (!tidying.compareAndSet(false, true)) {
                        return Response.withStatus(202, null).warn("A tidy operation is already running on "
                                + "this node.");
                    }
                    Thread tidy = new Thread(() -> {
                        try {
                            int n = leases.tidy();
                            LOG.info("lease tidy: {} tokens holding leases were gone; their leases are queued "
                                    + "for revocation", n);
                        } catch (RuntimeException e) {
                            LOG.warn("lease tidy failed: {}", e.toString());
                        } finally {
                            tidying.set(false);
                        }
                    }, "custos-lease-tidy");
                    tidy.setDaemon(true);
                    tidy.start();
                    return Response.withStatus(202, null).warn("Tidy operation successfully started. Any "
                            + "information from the operation will be printed to Custos's server logs.");
                })
                .help("Revokes leases whose token no longer exists, in the background.", "")
                .build();
    }

    private PathSpec renewPath(String base) {
        return PathSpec.path(base)
                .fields(LEASE_ID, URL_LEASE_ID, INCREMENT)
                .on(UPDATE, (r, d) -> renew(d))
                .help("Renews a lease: the new TTL counts from now, capped at the lease's max TTL.", "")
                .build();
    }

    private PathSpec revokePath(String base) {
        return PathSpec.path(base)
                .fields(LEASE_ID, URL_LEASE_ID, SYNC)
                .on(UPDATE, (r, d) -> {
                    String id = leaseId(d);
                    if (sync(d)) {
                        leases.revokeNow(id, false);
                        return null;
                    }
                    leases.revokeLater(id);
                    return Response.withStatus(202, null);
                })
                .help("Revokes a lease: queued for the expiry workers (202), or now with sync=true (204).", "")
                .build();
    }

    private PathSpec prefixPath(String pattern, boolean force) {
        return PathSpec.path(pattern)
                .fields(PREFIX, SYNC)
                .on(UPDATE, (r, d) -> {
                    String prefix = noNul(d.getString("prefix"), "prefix");
                    if (force || sync(d)) {
                        leases.revokePrefix(prefix, true, force);
                        return null;
                    }
                    leases.revokePrefix(prefix, false, false);
                    return Response.withStatus(202, null);
                })
                .help(force ? "Revokes every lease below a prefix, dropping those whose revocation fails (sudo)."
                        : "Revokes every lease below a prefix (sudo).", "")
                .sudo()
                .build();
    }

    private Response lookup(String id) {
        LeaseRow row = leases.find(id).filter(r -> r.state() != LeaseRow.PENDING)
                .orElseThrow(() -> EngineException.badRequest("invalid lease"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", row.id());
        m.put("issue_time", row.issueTime().toString());
        m.put("expire_time", row.expireTime().toString());
        m.put("last_renewal", row.lastRenewal() == null ? null : row.lastRenewal().toString());
        m.put("renewable", row.renewable() && row.state() == LeaseRow.ACTIVE);
        m.put("ttl", Math.max(0, Duration.between(clock.instant(), row.expireTime()).toSeconds()));
        if (row.state() == LeaseRow.IRREVOCABLE) {
            m.put("irrevocable", true);
            m.put("error", row.lastError());
        }
        return Response.of(m);
    }

    private Response renew(FieldData d) {
        LeaseManager.Renewal r = leases.renew(leaseId(d), d.getDuration("increment"));
        Response out = Response.of(null).withLease(r.id(), r.ttlSeconds(), r.renewable());
        r.warnings().forEach(out::warn);
        return out;
    }

    private Response count(String type) {
        Map<String, Long> byState = leases.counts();
        long n = "irrevocable".equals(type) ? byState.get("irrevocable")
                : byState.get("active") + byState.get("irrevocable");
        // Vault's keys: the count, and counts by namespace (Custos has the root one only); by_state is Custos's
        return Response.of(Map.of("lease_count", n, "counts", Map.of("root", n), "by_state", byState));
    }

    private Response irrevocable(FieldData d) {
        if (!"irrevocable".equals(d.getString("type"))) {
            throw EngineException.badRequest("only type=irrevocable leases can be listed here; "
                    + "use LIST sys/leases/lookup/:prefix");
        }
        int limit = 10_000;
        String raw = d.getString("limit");
        if (raw != null && !raw.isEmpty() && !raw.equals("none")) {
            try {
                limit = Integer.parseInt(raw);
            } catch (NumberFormatException e) {
                throw EngineException.badRequest("limit must be a number or \"none\"");
            }
        }
        List<Map<String, Object>> rows = leases.irrevocable(Math.max(1, limit)).stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lease_id", r.id());
            m.put("namespace", "root");
            m.put("error", r.lastError());
            m.put("attempts", r.attempts());
            return m;
        }).toList();
        return Response.of(Map.of("leases", rows, "lease_count", rows.size()));
    }

    private static String leaseId(FieldData d) {
        String id = d.getString("lease_id");
        if (id == null || id.isEmpty()) {
            id = d.getString("url_lease_id");
        }
        return required(id);
    }

    private static String required(String id) {
        if (id == null || id.isEmpty()) {
            throw EngineException.badRequest("lease_id must be specified");
        }
        return noNul(id, "lease_id");
    }

    /** PostgreSQL text cannot hold NUL: an id or prefix with one names no lease, and says so as a 400. */
    private static String noNul(String value, String field) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw EngineException.badRequest(field + " cannot contain a NUL character");
        }
        return value;
    }

    private static String folder(String prefix) {
        String p = prefix == null ? "" : noNul(prefix, "prefix");
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }
}
