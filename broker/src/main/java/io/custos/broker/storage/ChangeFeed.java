package io.custos.broker.storage;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every committed change to the entries table, from any broker, through PostgreSQL's
 * LISTEN/NOTIFY (the V4 migration's trigger), on a connection of its own, and tells each
 * {@link ChangeListener}. While it is not listening — before its first LISTEN, and from a lost
 * connection until it listens again — caches are not valid ({@link CacheValidity}): they read
 * through to storage; when it listens again, every listener resynchronises first.
 */
@Context
public class ChangeFeed {
    static final String CHANNEL = "custos_changes";
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String url;
    private final Properties credentials = new Properties();
    private final CacheValidity validity;
    private final PhysicalStorage storage;
    private final BeanProvider<ChangeListener> beans;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Connection connection;
    private List<ChangeListener> listeners;
    private final Map<String, CountDownLatch> markers = new ConcurrentHashMap<>();

    public ChangeFeed(@Value("${datasources.default.url}") String url,
            @Value("${datasources.default.username:}") String user,
            @Value("${datasources.default.password:}") String password, CacheValidity validity,
            PhysicalStorage storage, BeanProvider<ChangeListener> beans) {
        this.url = url;
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("ApplicationName", "custos-change-feed");
        credentials.setProperty("tcpKeepAlive", "true");
        this.validity = validity;
        this.storage = storage;
        this.beans = beans;
        this.thread = new Thread(this::run, "custos-change-feed");
        thread.setDaemon(true);
    }

    /** Starts listening once the context is up (the listeners are beans it looks up as it delivers). */
    @EventListener
    void onStartup(StartupEvent event) {
        if (!thread.isAlive() && !stopping) {
            thread.start();
        }
    }

    /** The listeners, looked up once (on the feed's thread, after start-up): a lookup per notification cost more than the delivery. */
    private List<ChangeListener> listeners() {
        List<ChangeListener> found = listeners;
        if (found == null) {
            List<ChangeListener> out = new ArrayList<>();
            if (storage instanceof ChangeListener cache) {
                out.add(cache); // the storage cache first: the others reload through it
            }
            beans.stream().filter(l -> l != storage).forEach(out::add);
            listeners = found = List.copyOf(out);
        }
        return found;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(100);
        while (!stopping) {
            try (Connection c = DriverManager.getConnection(url, credentials)) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                // changes made before LISTEN took effect were not heard: start again from storage
                resynchronise();
                validity.set(true);
                backoff = Duration.ofMillis(100);
                listen(c.unwrap(PGConnection.class), c);
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.warn("change feed lost ({}); caches read through to storage until it is back",
                        e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                validity.set(false);
                connection = null;
            }
            resynchronise();
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Delivers notifications until the connection fails (an exception) or the feed stops. */
    private void listen(PGConnection pg, Connection c) throws SQLException {
        long lastCheck = System.nanoTime();
        while (!stopping) {
            PGNotification[] batch = pg.getNotifications(500);
            if (batch != null) {
                for (PGNotification n : batch) {
                    deliver(n.getParameter());
                }
            }
            if (System.nanoTime() - lastCheck > Duration.ofSeconds(5).toNanos()) {
                // a silently dropped connection delivers nothing: ask the server, at most every 5 s
                if (!c.isValid(5)) {
                    throw new SQLException("the change feed's connection stopped answering");
                }
                lastCheck = System.nanoTime();
            }
        }
    }

    /**
     * Waits until every change committed before this call has been delivered here: a marker sent
     * now arrives after them (notifications are delivered in commit order). False if it did not
     * arrive in time (the feed is down).
     */
    public boolean caughtUp(Duration timeout) throws InterruptedException {
        String marker = "!" + UUID.randomUUID();
        CountDownLatch arrived = new CountDownLatch(1);
        markers.put(marker, arrived);
        try (Connection c = DriverManager.getConnection(url, credentials);
                PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, marker);
            ps.execute();
            return arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (SQLException e) {
            return false;
        } finally {
            markers.remove(marker);
        }
    }

    private void deliver(String payload) {
        if (payload == null || payload.isEmpty()) {
            return;
        }
        if (payload.charAt(0) == '!') {
            CountDownLatch waiting = markers.get(payload);
            if (waiting != null) {
                waiting.countDown();
            }
            return;
        }
        boolean below = payload.charAt(0) == '^';
        String path = payload.substring(1);
        for (ChangeListener l : listeners()) {
            try {
                l.changed(path, below);
            } catch (RuntimeException e) {
                LOG.warn("change listener {} failed on a change: {}", l.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void resynchronise() {
        for (ChangeListener l : listeners()) {
            try {
                l.resynchronise();
            } catch (RuntimeException e) {
                LOG.warn("change listener {} failed to resynchronise: {}", l.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        thread.interrupt();
    }
}
