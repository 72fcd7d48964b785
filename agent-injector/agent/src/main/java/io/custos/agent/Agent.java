package io.custos.agent;

import io.custos.gotemplate.Template;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The agent's loop: log in, render every template (each on its own: one failing template never
 * stalls the others), then act on the earliest due thing — renew or re-fetch a secret, renew the
 * token or log in again — re-render only the templates whose secrets changed, write files only
 * when their bytes change, and run their commands.
 */
public final class Agent {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());

    private final AgentConfig config;
    private final Clock clock;
    private final Map<String, String> env;
    private final Random random;
    private final BrokerClient client;
    private final AutoAuth auth;
    private final SecretCache cache;
    private volatile boolean stopping;
    private AutoAuth.Login login;
    private Instant tokenRenewAt;
    private Instant tokenEnd;
    private Duration loginBackoff = Duration.ZERO;
    private volatile int exitCode;
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong renders = new AtomicLong();
    private final AtomicLong logins = new AtomicLong();
    private volatile boolean brokerReachable = true;
    /** Process-supervisor mode: the child and its rendered environment (env templates use indexes from Renderer.ENV_BASE). */
    private final Supervisor supervisor;
    private final Renderer renderer;

    public Agent(AgentConfig config, Clock clock, Map<String, String> env) {
        if (!config.envTemplates().isEmpty() && config.exec() == null) {
            throw new ConfigException("env_template needs an exec block (the process-supervisor mode)");
        }
        this.supervisor = config.exec() == null ? null : new Supervisor(config.exec());
        this.config = config;
        this.clock = clock;
        this.env = env;
        this.random = new Random();
        this.client = new BrokerClient(config.vault().forLogin(config.autoAuth()));
        this.auth = config.autoAuth() == null ? null : new AutoAuth(config.autoAuth(), client);
        this.cache = new SecretCache(client, clock, config.templateConfig(), random);
        this.renderer = new Renderer(config, clock, env, random, cache, supervisor, failures, renders, () -> stopping,
                () -> {
                    exitCode = 1;
                    stop();
                });
    }

    /** Asks the loop to end (SIGTERM, the quit endpoint). */
    public void stop() {
        stopping = true;
        synchronized (this) {
            notifyAll();
        }
    }

    SecretCache cache() {
        return cache;
    }

    /**
     * Runs until stopped; with {@code exit_after_auth}, logs in, renders once, leaves the hand-off
     * state and returns. Exit code 0, or 1 when templates failed past their retries.
     */
    public int run() throws InterruptedException, IOException {
        writePidFile();
        List<AgentServer> servers = new ArrayList<>();
        try {
            for (AgentConfig.Listener l : config.listeners()) {
                servers.add(new AgentServer(l, this));
            }
            if (!adoptState()) {
                loginWithBackoff();
            }
            if (stopping) {
                return exitCode;
            }
            renderer.renderDirty();
            // the configuration, the template parsers and the first fetches leave garbage behind; the
            // agent then idles for minutes: give the memory back before it does (a serial collection
            // shrinks the heap to MaxHeapFreeRatio)
            System.gc();
            if (config.exitAfterAuth()) {
                saveState();
                boolean allRendered = renderer.templates().stream().allMatch(t -> t.lastError == null);
                return allRendered ? 0 : 1;
            }
            while (!stopping) {
                Instant now = clock.instant();
                actOnDue(now);
                renderer.renderDirty();
                if (supervisor != null && supervisor.exitedWith() != null) {
                    exitCode = supervisor.exitedWith();
                    LOG.info("the supervised process exited with " + exitCode);
                    break;
                }
                sleepUntil(nextDue());
            }
            if (supervisor != null) {
                supervisor.stop();
            }
            if (config.revokeOnShutdown()) {
                revokeEverything();
            }
            return exitCode;
        } finally {
            servers.forEach(AgentServer::close);
            if (config.pidFile() != null) {
                Files.deleteIfExists(Path.of(config.pidFile()));
            }
        }
    }

    private void writePidFile() throws IOException {
        if (config.pidFile() != null && !config.pidFile().isEmpty()) {
            AtomicFileWriter.write(Path.of(config.pidFile()), Long.toString(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8), 0640, true, false);
        }
    }

    // ---- hand-off

    /** The state an earlier agent (the init container) left: its token, if still valid, and its secrets. */
    private boolean adoptState() {
        AgentState.Saved saved = AgentState.load(AgentState.location(config));
        if (saved == null || saved.token() == null || config.exitAfterAuth()) {
            return false;
        }
        client.setToken(saved.token());
        try {
            BrokerClient.Reply self = client.call("GET", "auth/token/lookup-self", null, Map.of());
            if (!self.ok()) {
                client.setToken(null);
                return false;
            }
            long ttl = self.body().path("data").path("ttl").asLong();
            login = new AutoAuth.Login(saved.token(), Duration.ofSeconds(saved.tokenTtl() > 0 ? saved.tokenTtl() : ttl),
                    self.body().path("data").path("renewable").asBoolean());
            Instant now = clock.instant();
            tokenEnd = ttl == 0 ? null : now.plusSeconds(ttl);
            tokenRenewAt = ttl == 0 ? null : RefreshPolicy.renewAt(now, Duration.ofSeconds(ttl));
            cache.adopt(saved.secrets());
            LOG.info("adopted the token and " + saved.secrets().size() + " secrets an earlier agent left");
            return true;
        } catch (IOException | RuntimeException e) {
            client.setToken(null);
            return false;
        }
    }

    private void saveState() {
        Path file = AgentState.location(config);
        if (file == null || login == null) {
            return;
        }
        try {
            AgentState.save(file, login.token(), tokenEnd, login.renewable(), login.ttl(), cache.entries());
        } catch (IOException e) {
            LOG.warning("could not leave the hand-off state at " + file + ": " + e.getMessage());
        }
    }

    /** revoke_on_shutdown: the leases this agent holds, then its token. */
    private void revokeEverything() {
        for (SecretCache.Entry e : cache.entries()) {
            if (e.hasLease()) {
                try {
                    client.call("PUT", "sys/leases/revoke", Map.of("lease_id", e.leaseId), Map.of());
                } catch (IOException ex) {
                    LOG.warning("could not revoke lease " + e.leaseId + ": " + ex.getMessage());
                }
            }
        }
        if (auth != null) {
            try {
                client.call("POST", "auth/token/revoke-self", null, Map.of());
            } catch (IOException ex) {
                LOG.warning("could not revoke the agent's token: " + ex.getMessage());
            }
        }
    }

    // ---- status and metrics

    Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("broker_reachable", brokerReachable);
        out.put("token_expires", tokenEnd == null ? null : tokenEnd.toString());
        out.put("token_next_renewal", tokenRenewAt == null ? null : tokenRenewAt.toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Renderer.Rendered t : renderer.templates()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("destination", t.spec.destination());
            m.put("last_render", t.lastRender == null ? null : t.lastRender.toString());
            m.put("last_error", t.lastError);
            m.put("failures", t.failures);
            m.put("retry_at", t.retryAt == null ? null : t.retryAt.toString());
            List<Map<String, Object>> secrets = new ArrayList<>();
            for (SecretCache.Entry e : cache.entries()) {
                if (e.templates.contains(t.index)) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("path", e.path);
                    s.put("lease_id", e.leaseId);
                    s.put("lease_expiry", e.leaseEnd == null ? null : e.leaseEnd.toString());
                    s.put("next_action", e.action == null ? null : e.action.name().toLowerCase(Locale.ROOT));
                    s.put("next_action_at", e.next == null ? null : e.next.toString());
                    s.put("last_error", e.lastError);
                    s.put("failures", e.failures);
                    secrets.add(s);
                }
            }
            m.put("secrets", secrets);
            list.add(m);
        }
        out.put("templates", list);
        return out;
    }

    String metrics() {
        Instant now = clock.instant();
        double earliest = -1;
        for (SecretCache.Entry e : cache.entries()) {
            if (e.leaseEnd != null) {
                double s = Duration.between(now, e.leaseEnd).toMillis() / 1000.0;
                earliest = earliest < 0 ? s : Math.min(earliest, s);
            }
        }
        StringBuilder sb = new StringBuilder();
        metric(sb, "custos_agent_renewals_total", "counter", "Lease and token renewals.", renewals.get());
        metric(sb, "custos_agent_fetches_total", "counter", "Secrets fetched (first time and replacements).", fetches.get());
        metric(sb, "custos_agent_failures_total", "counter", "Failed renewals, fetches and renders.", failures.get());
        metric(sb, "custos_agent_renders_total", "counter", "Template renders that changed a file.", renders.get());
        metric(sb, "custos_agent_logins_total", "counter", "Logins (auto_auth).", logins.get());
        metric(sb, "custos_agent_templates_failing", "gauge", "Templates whose last render failed.", renderer.failing().size());
        metric(sb, "custos_agent_seconds_to_earliest_expiry", "gauge", "Seconds until the earliest lease ends (-1: none).",
                earliest);
        return sb.toString();
    }

    private static void metric(StringBuilder sb, String name, String type, String help, double value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        sb.append(name).append(' ').append(value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value))
                .append('\n');
    }

    // ---- token

    private void loginWithBackoff() throws InterruptedException {
        if (auth == null) {
            String token = env.getOrDefault("CUSTOS_TOKEN", env.getOrDefault("VAULT_TOKEN", ""));
            client.setToken(token);
            return;
        }
        AgentConfig.Method m = config.autoAuth().method();
        while (!stopping) {
            try {
                if (m.wrapTtl().compareTo(Duration.ZERO) > 0) {
                    // the sinks get a wrapped token and the agent none: nothing to renew or render
                    auth.writeSinks(auth.loginWrapped());
                    logins.incrementAndGet();
                    LOG.info("authenticated with " + m.type() + " at " + m.mountPath() + "; a wrapped token went to the sinks");
                    return;
                }
                login = auth.login();
                logins.incrementAndGet();
                auth.writeSinks(login.token());
                loginBackoff = Duration.ZERO;
                Instant now = clock.instant();
                tokenEnd = login.ttl().isZero() ? null : now.plus(login.ttl());
                tokenRenewAt = login.ttl().isZero() ? null : RefreshPolicy.renewAt(now, login.ttl());
                LOG.info("authenticated with " + m.type() + " at " + m.mountPath());
                return;
            } catch (IOException | RuntimeException e) {
                if (m.exitOnErr() || e instanceof ConfigException) {
                    throw new ConfigException("auto_auth failed: " + e.getMessage());
                }
                loginBackoff = RefreshPolicy.backoff(loginBackoff, m.minBackoff(), m.maxBackoff(), random.nextDouble());
                LOG.warning("auto_auth failed (" + e.getMessage() + "); retrying in " + loginBackoff.toMillis() + " ms");
                sleepUntil(clock.instant().plus(loginBackoff));
            }
        }
    }

    private void renewToken(Instant now) throws InterruptedException {
        if (login == null) {
            return;
        }
        boolean relogin = !login.renewable();
        if (!relogin) {
            try {
                BrokerClient.Reply r = client.call("PUT", "auth/token/renew-self", Map.of("increment",
                        login.ttl().toSeconds()), Map.of());
                if (r.ok()) {
                    Duration got = Duration.ofSeconds(r.body().path("auth").path("lease_duration").asLong());
                    tokenEnd = now.plus(got);
                    Duration grace = RefreshPolicy.grace(login.ttl(), random.nextDouble());
                    if (RefreshPolicy.renewalExhausted(login.ttl(), got, grace)) {
                        tokenRenewAt = RefreshPolicy.refetchBefore(tokenEnd, grace, now);
                        login = new AutoAuth.Login(login.token(), login.ttl(), false);
                    } else {
                        tokenRenewAt = RefreshPolicy.renewAt(now, got);
                    }
                    return;
                }
                relogin = r.status() == 403 || r.status() == 400;
            } catch (IOException e) {
                tokenRenewAt = now.plus(Duration.ofSeconds(5));
                LOG.warning("token renewal failed: " + e.getMessage());
                return;
            }
        }
        if (relogin) {
            loginWithBackoff();
            cache.tokenReplaced();
        }
    }

    // ---- secrets

    private void actOnDue(Instant now) throws InterruptedException {
        if (tokenRenewAt != null && !now.isBefore(tokenRenewAt)) {
            renewToken(now);
        }
        for (SecretCache.Entry e : new ArrayList<>(cache.entries())) {
            if (e.next == null || now.isBefore(e.next)) {
                continue;
            }
            try {
                boolean changed;
                if (e.action == SecretCache.Action.RENEW) {
                    changed = false;
                    renewals.incrementAndGet();
                    if (!cache.renew(e)) {
                        fetches.incrementAndGet();
                        changed = cache.fetch(e);
                    }
                } else {
                    fetches.incrementAndGet();
                    changed = cache.fetch(e);
                }
                brokerReachable = true;
                if (changed) {
                    for (int t : e.templates) {
                        if (t >= Renderer.ENV_BASE) {
                            renderer.environmentChanged();
                            continue;
                        }
                        Renderer.Rendered r = renderer.templates().get(t);
                        r.dirty = true;
                        r.lastChange = now;
                        if (r.firstChange == null) {
                            r.firstChange = now;
                        }
                    }
                }
            } catch (IOException | RuntimeException ex) {
                failures.incrementAndGet();
                brokerReachable = !(ex instanceof ConnectException || ex instanceof HttpTimeoutException
                        || ex.getCause() instanceof ConnectException);
                cache.failed(e, ex, Duration.ofSeconds(1), Duration.ofMinutes(1));
                LOG.warning(e.kind + " " + e.path + " failed (" + ex.getMessage() + "); retrying in "
                        + e.backoff.toMillis() + " ms");
            }
        }
        for (Renderer.Rendered t : renderer.templates()) {
            if (t.retryAt != null && !now.isBefore(t.retryAt)) {
                t.dirty = true;
            }
        }
    }

    private Instant nextDue() {
        Instant next = clock.instant().plus(Duration.ofMinutes(1));
        if (tokenRenewAt != null && tokenRenewAt.isBefore(next)) {
            next = tokenRenewAt;
        }
        for (SecretCache.Entry e : cache.entries()) {
            if (e.next != null && e.next.isBefore(next)) {
                next = e.next;
            }
        }
        for (Renderer.Rendered t : renderer.templates()) {
            if (t.retryAt != null && t.retryAt.isBefore(next)) {
                next = t.retryAt;
            }
        }
        return next;
    }

    private void sleepUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(clock.instant(), when).toMillis();
        if (millis <= 0) {
            return;
        }
        synchronized (this) {
            if (!stopping) {
                wait(Math.min(millis, TimeUnit.MINUTES.toMillis(1)));
            }
        }
    }

}
