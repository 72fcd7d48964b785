package io.custos.broker.lease;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Rewrappable;
import io.custos.broker.config.LeaseConfiguration;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountTable;
import io.custos.broker.mount.Mounts;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.LeaseData;
import io.custos.engine.sdk.LeaseIssuer;
import io.custos.engine.sdk.PendingLease;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.SecretsEngine;
import io.custos.engine.sdk.StorageListing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vault's expiration manager, on a table instead of timers. Issuance records a pending lease
 * before the engine creates anything and holds its row lock until commit; renewal, revocation
 * and the expiry workers all act under the row lock, so a lease is revoked by exactly one node,
 * once. Nothing per lease is kept in memory.
 */
@Singleton
public class LeaseManager implements Rewrappable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseManager.class);
    private static final String AAD_PREFIX = "lease/";
    private static final int PAGE = 500;
    private static final char[] ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            .toCharArray();

    /** What sys/leases/renew answers. */
    public record Renewal(String id, long ttlSeconds, boolean renewable, List<String> warnings) {
    }

    private final LeaseStore store;
    private final AesGcmBarrier barrier;
    private final MountTable mounts;
    private final LeaseConfiguration config;
    private final Clock clock;
    private volatile Runnable onWork = () -> { };
    private final TokenStore tokens;
    private final Counter revoked;
    private final Counter failed;
    private final Timer lag;

    public LeaseManager(LeaseStore store, AesGcmBarrier barrier, MountTable mounts, LeaseConfiguration config,
            Clock clock, TokenStore tokens, MeterRegistry meters) {
        this.revoked = Counter.builder("custos.lease.revocations").description("Leases revoked or rolled back by "
                + "this broker (expiry, explicit revocation, a revoked token)").register(meters);
        this.failed = Counter.builder("custos.lease.revocation.failures").description("Revocation attempts that "
                + "failed on this broker (each is retried; a lease becomes irrevocable after repeated failures)")
                .register(meters);
        this.lag = Timer.builder("custos.lease.expiry.lag").description("How late the expiry workers took up a "
                + "lease after it fell due").serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5))
                .register(meters);
        tokens.onRevoke(this::revokeToken);
        this.tokens = tokens;
        this.store = store;
        this.barrier = barrier;
        this.mounts = mounts;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The lease issuer for one request to the engine mounted at {@code mount}: TTLs are capped by
     * the mount's tune, the lease policy's max/default, the token's own expiry and the system maximum.
     */
    public LeaseIssuer issuer(String requestPath, MountEntry mount, SecretsEngine engine, String tokenAccessor,
            long tokenExpireEpochSeconds, Duration policyDefault, Duration policyMax) {
        return (internal, roleDefault, roleMax) -> {
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Duration max = positive(Duration.ofSeconds(mount.maxLeaseTtl()), config.getMaxTtl());
            max = min(max, config.getMaxTtl());
            if (!roleMax.isZero()) {
                max = min(max, roleMax);
            }
            if (policyMax != null && !policyMax.isZero()) {
                max = min(max, policyMax);
            }
            Duration ttl = !roleDefault.isZero() ? roleDefault
                    : policyDefault != null && !policyDefault.isZero() ? policyDefault
                    : positive(Duration.ofSeconds(mount.defaultLeaseTtl()), config.getDefaultTtl());
            ttl = min(ttl, max);
            Instant maxExpire = now.plus(max);
            if (tokenExpireEpochSeconds > 0) {
                Instant tokenEnd = Instant.ofEpochSecond(tokenExpireEpochSeconds);
                maxExpire = tokenEnd.isBefore(maxExpire) ? tokenEnd : maxExpire;
            }
            Instant expire = now.plus(ttl).isAfter(maxExpire) ? maxExpire : now.plus(ttl);
            String id = requestPath + "/" + randomId();
            byte[] blob = seal(id, internal);
            LeaseRow row = new LeaseRow(id, requestPath, tokenAccessor == null ? "" : tokenAccessor, now, expire,
                    maxExpire, null, Duration.between(now, expire).toSeconds(), false, LeaseRow.PENDING, 0, null,
                    now.plus(config.getPendingGrace()), blob, AesGcmBarrier.termOf(blob));
            return new Pending(row, internal, engine, relative(requestPath, mount.path()));
        };
    }

    /** An issuance in progress: the row stays locked in {@code tx} until commit or close. */
    private final class Pending implements PendingLease {
        private final LeaseRow row;
        private final Map<String, Object> internal;
        private final SecretsEngine engine;
        private final String relativePath;
        private Connection tx;
        private boolean committed;

        Pending(LeaseRow row, Map<String, Object> internal, SecretsEngine engine, String relativePath) {
            this.row = row;
            this.internal = internal;
            this.engine = engine;
            this.relativePath = relativePath;
            this.tx = store.connection();
            try {
                LeaseStore.insert(tx, row); // auto-commit: durable before the engine creates anything
                tx.setAutoCommit(false);
                store.lock(tx, row.id()); // held until commit or close: no worker rolls it back meanwhile
            } catch (SQLException e) {
                closeQuietly();
                throw new LeaseStorageException("cannot record the pending lease", e);
            }
        }

        @Override
        public String id() {
            return row.id();
        }

        @Override
        public Instant expireTime() {
            return row.expireTime();
        }

        @Override
        public Duration ttl() {
            return Duration.ofSeconds(row.ttlSeconds());
        }

        @Override
        public Response commit(Response response, boolean renewable) {
            try {
                LeaseStore.activate(tx, row.id(), renewable, row.expireTime());
                tx.commit();
                committed = true;
            } catch (SQLException e) {
                throw new LeaseStorageException("cannot commit the lease", e);
            } finally {
                if (committed) {
                    closeQuietly();
                }
            }
            // as Vault: lease_duration is the TTL granted, not what is left after a slow creation (issue
            // time is truncated to the second, so "what is left" could read 0 for a 2 s lease)
            return response.withLease(row.id(), row.ttlSeconds(), renewable);
        }

        @Override
        public void close() {
            if (committed || tx == null) {
                return;
            }
            try {
                engine.rollbackLease(data(row, internal, relativePath));
                LeaseStore.delete(tx, row.id());
                tx.commit();
            } catch (RuntimeException | SQLException e) {
                // the pending row stays; a worker rolls it back after the grace period
                LOG.warn("rollback of {} deferred to the expiry worker: {}", row.id(), describe(e));
                closeQuietly();
                requeue();
            } finally {
                closeQuietly();
            }
        }

        /**
         * If the activation's COMMIT failed with its outcome unknown (the connection died), the row
         * may be active although the client got an error: make it due now, so the worker revokes it
         * instead of leaving it to its expiry. Best effort — if storage is down, expiry still does it.
         */
        private void requeue() {
            try {
                store.makeDueExactly(row.id(), clock.instant());
            } catch (RuntimeException ignored) {
                // storage unreachable: the lease (pending or active) is still revoked by a worker later
            }
        }

        private void closeQuietly() {
            try {
                if (tx != null) {
                    tx.close();
                }
            } catch (SQLException ignored) {
                // the connection is broken; its transaction dies with it
            }
            tx = null;
        }
    }

    public Optional<LeaseRow> find(String id) {
        return store.find(id);
    }

    /** Children of {@code prefix} for LIST sys/leases/lookup/:prefix (folders end in '/'). */
    public List<String> list(String prefix) {
        List<String> ids = new ArrayList<>();
        forEachPage(prefix, ids::addAll);
        return StorageListing.children(prefix, ids);
    }

    public Map<String, Long> counts() {
        return store.counts();
    }

    /** How long the longest-overdue lease has waited for a worker (zero when none is overdue). */
    public Duration overdue() {
        Instant now = clock.instant();
        Instant oldest = store.oldestOverdue(now);
        return oldest == null ? Duration.ZERO : Duration.between(oldest, now);
    }

    public List<LeaseRow> irrevocable(int limit) {
        return store.irrevocable(limit);
    }

    /**
     * Renews: the new TTL ({@code increment}, or the lease's original TTL when zero) counts from
     * now and never passes the lease's maximum expiry; the engine enforces it before it is recorded.
     */
    public Renewal renew(String id, Duration increment) {
        try (Connection tx = store.begin()) {
            LeaseRow row = store.lock(tx, id).filter(r -> r.state() == LeaseRow.ACTIVE)
                    .orElseThrow(() -> EngineException.badRequest("lease not found"));
            if (!row.renewable()) {
                throw EngineException.badRequest("lease is not renewable");
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Duration wanted = increment.isZero() ? Duration.ofSeconds(row.ttlSeconds()) : increment;
            List<String> warnings = new ArrayList<>();
            Instant expire = now.plus(wanted);
            if (expire.isAfter(row.maxExpireTime())) {
                expire = row.maxExpireTime();
                warnings.add("TTL of \"" + GoDuration.format(wanted) + "\" exceeded the effective max_ttl of \""
                        + GoDuration.format(Duration.between(now, expire)) + "\"; TTL value is capped accordingly");
            }
            Engine target = engineOf(row);
            target.engine().renewLease(data(row, open(row), target.relativePath()).expiringAt(expire));
            LeaseStore.renewed(tx, id, expire, now);
            tx.commit();
            return new Renewal(id, Duration.between(now, expire).toSeconds(), true, warnings);
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot renew the lease", e);
        }
    }

    /** Revokes one lease now (waiting for a worker that holds it); false if there was no such lease. */
    public boolean revokeNow(String id, boolean force) {
        try (Connection tx = store.begin()) {
            Optional<LeaseRow> row = store.lock(tx, id);
            if (row.isEmpty()) {
                return false;
            }
            try {
                act(row.get());
            } catch (RuntimeException e) {
                if (!force) {
                    tx.rollback();
                    throw new EngineException(400, "failed to revoke " + id + ": " + describe(e));
                }
                LOG.warn("force-revoke of {} dropped the lease although its revocation failed: {}", id, describe(e));
            }
            LeaseStore.delete(tx, id);
            tx.commit();
            return true;
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot revoke the lease", e);
        }
    }

    /** Revokes every lease below {@code prefix}: now, one by one, or by making them due for the workers. */
    public int revokePrefix(String prefix, boolean sync, boolean force) {
        if (prefix.startsWith("auth/")) {
            tokens.revokeByPath(prefix); // as Vault: a token issued through an auth path is a lease under it
        }
        if (!sync) {
            int n = store.makeDue(prefix, clock.instant());
            onWork.run();
            return n;
        }
        int[] n = {0};
        forEachPage(prefix, page -> page.forEach(id -> {
            if (revokeNow(id, force)) {
                n[0]++;
            }
        }));
        return n[0];
    }

    /** Lease ids with {@code prefix}, ascending, handed over a page at a time. */
    private void forEachPage(String prefix, Consumer<List<String>> consumer) {
        String after = "";
        while (true) {
            List<String> page = store.idsWithPrefix(prefix, after, PAGE);
            consumer.accept(page);
            if (page.size() < PAGE) {
                return;
            }
            after = page.get(page.size() - 1);
        }
    }

    /** Registers what to call when work is queued (the workers' wake-up). */
    void onWork(Runnable r) {
        onWork = r;
    }

    /** Queues one lease for the expiry workers (asynchronous revocation). */
    public void revokeLater(String id) {
        store.makeDueExactly(id, clock.instant());
        onWork.run();
    }

    /** The default TTL of leases from {@code mount}: its tune, else the system's. */
    public Duration defaultTtl(MountEntry mount) {
        Duration max = positive(Duration.ofSeconds(mount.maxLeaseTtl()), config.getMaxTtl());
        return min(positive(Duration.ofSeconds(mount.defaultLeaseTtl()), config.getDefaultTtl()), max);
    }

    /**
     * {@code sys/leases/tidy}: leases whose token is gone (revoked while storage was unreachable,
     * or by another broker) are queued for revocation. Returns how many tokens were missing.
     */
    public int tidy() {
        int missing = 0;
        for (String accessor : store.tokenAccessors()) {
            if (tokens.findByAccessor(accessor).isEmpty()) {
                revokeToken(accessor);
                missing++;
            }
        }
        return missing;
    }

    /** A revoked token's leases go with it (through the workers, which retry failures). */
    public void revokeToken(String accessor) {
        if (accessor != null && !accessor.isEmpty()) {
            if (store.makeDueForToken(accessor, clock.instant()) > 0) {
                onWork.run();
            }
        }
    }

    /**
     * One worker pass: claims up to a page of due leases no other node holds, revokes (or rolls
     * back) each, and deletes it or schedules a retry — all in the claiming transaction, so the
     * row stays locked while its revocation runs. Returns the number of rows handled.
     */
    public int expireDue() {
        if (barrier.isSealed()) {
            return 0;
        }
        try (Connection tx = store.begin()) {
            Instant now = clock.instant();
            List<LeaseRow> due = store.claimDue(tx, now, config.getBatchSize());
            for (LeaseRow row : due) {
                lag.record(Duration.between(row.dueTime(), now).isNegative() ? Duration.ZERO
                        : Duration.between(row.dueTime(), now));
                try {
                    act(row);
                    LeaseStore.delete(tx, row.id());
                } catch (RuntimeException e) {
                    scheduleRetry(tx, row, e);
                }
            }
            tx.commit();
            return due.size();
        } catch (SQLException e) {
            throw new LeaseStorageException("lease storage failed during expiry", e);
        }
    }

    private void act(LeaseRow row) {
        try {
            Engine target = engineOf(row);
            LeaseData lease = data(row, open(row), target.relativePath());
            if (row.state() == LeaseRow.PENDING) {
                target.engine().rollbackLease(lease);
            } else {
                target.engine().revokeLease(lease);
            }
        } catch (RuntimeException e) {
            failed.increment();
            throw e;
        }
        revoked.increment();
    }

    private void scheduleRetry(Connection tx, LeaseRow row, RuntimeException e) throws SQLException {
        int attempts = row.attempts() + 1;
        boolean giveUp = row.state() != LeaseRow.PENDING && attempts >= config.getMaxAttempts();
        Duration wait;
        if (giveUp) {
            wait = config.getIrrevocableRetry();
        } else {
            long base = config.getRetryBase().toMillis() << Math.min(attempts - 1, 20);
            long capped = Math.min(base, config.getRetryMax().toMillis());
            wait = Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
        }
        int state = giveUp ? LeaseRow.IRREVOCABLE : row.state();
        String error = describe(e);
        if (giveUp && row.state() != LeaseRow.IRREVOCABLE) {
            LOG.error("lease {} is irrevocable after {} attempts: {}", row.id(), attempts, error);
        } else {
            LOG.warn("revocation of {} failed (attempt {}), retrying in {}: {}", row.id(), attempts, wait, error);
        }
        LeaseStore.failed(tx, row.id(), attempts, state, error, clock.instant().plus(wait));
    }

    /** Re-wraps the data keys of lease rows under older keyring terms; returns how many. */
    @Override
    public long rewrap(int term) {
        long done = 0;
        String after = "";
        while (true) {
            List<LeaseRow> page = store.belowTerm(term, after, 500);
            for (LeaseRow r : page) {
                byte[] next = barrier.rewrap(AAD_PREFIX + r.id(), r.data());
                if (store.replaceDataIfUnchanged(r.id(), r.data(), next, AesGcmBarrier.termOf(next))) {
                    done++;
                }
            }
            if (page.size() < 500) {
                return done;
            }
            after = page.get(page.size() - 1).id();
        }
    }

    private record Engine(SecretsEngine engine, String relativePath) {
    }

    private Engine engineOf(LeaseRow row) {
        Mounts.Mounted<SecretsEngine> m = mounts.resolve(row.path()).orElseThrow(() -> new IllegalStateException(
                "no secrets engine is mounted for " + row.path()));
        return new Engine(m.engine(), relative(row.path(), m.entry().path()));
    }

    private static String relative(String path, String mountPath) {
        return path.length() >= mountPath.length() ? path.substring(mountPath.length()) : "";
    }

    private static LeaseData data(LeaseRow row, Map<String, Object> internal, String relativePath) {
        return new LeaseData(row.id(), relativePath, internal, row.issueTime(), row.expireTime());
    }

    private byte[] seal(String id, Map<String, Object> internal) {
        return barrier.encrypt(AAD_PREFIX + id, Json.write(internal));
    }

    private Map<String, Object> open(LeaseRow row) {
        try {
            return Json.MAPPER.readValue(barrier.decrypt(AAD_PREFIX + row.id(), row.data()),
                    new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("lease data of " + row.id() + " is unreadable", e);
        }
    }

    private static String randomId() {
        byte[] random = Drbg.randomBytes(24);
        char[] out = new char[24];
        for (int i = 0; i < 24; i++) {
            out[i] = ID_ALPHABET[(random[i] & 0xff) % ID_ALPHABET.length];
        }
        return new String(out);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d.isZero() || d.isNegative() ? fallback : d;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
