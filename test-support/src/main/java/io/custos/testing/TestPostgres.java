package io.custos.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * One PostgreSQL server per test JVM, always with password (SCRAM) authentication on TCP, so
 * credential tests are real. Chosen in order: Testcontainers when a Docker daemon answers, else
 * embedded PostgreSQL (zonky; its trust auth is replaced by scram-sha-256), else a throwaway
 * {@code initdb} cluster from the machine's PostgreSQL binaries. {@code CUSTOS_TEST_PG} =
 * {@code testcontainers|embedded|initdb} forces one. Each test class takes a fresh database.
 */
public final class TestPostgres {
    public static final String SUPERUSER = "postgres";
    private static TestPostgres shared;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** A database on the shared server. */
    public record Database(String host, int port, String name, String user, String password) {
        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + name;
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(), user, password);
        }
    }

    private final String kind;
    private final String host;
    private final int port;
    private final String password;
    private final AutoCloseable stopper;
    private final AutoCloseable restarter;

    private TestPostgres(String kind, String host, int port, String password, AutoCloseable stopper) {
        this(kind, host, port, password, stopper, null);
    }

    private TestPostgres(String kind, String host, int port, String password, AutoCloseable stopper,
            AutoCloseable restarter) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.password = password;
        this.stopper = stopper;
        this.restarter = restarter;
    }

    /**
     * A server of its own (an {@code initdb} cluster from the machine's PostgreSQL binaries, SCRAM
     * auth) that a fault-injection test may restart; stopped when the JVM exits or on {@link #stop}.
     */
    public static TestPostgres dedicated() {
        try {
            TestPostgres pg = startInitdb("pw-" + UUID.randomUUID());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.stopper.close();
                } catch (Exception e) {
                    // best effort at JVM exit
                }
            }));
            return pg;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a dedicated PostgreSQL (initdb): " + e, e);
        }
    }

    /** Crash-restarts the server ({@code pg_ctl stop -m immediate}, then start on the same port). */
    public void restartImmediately() {
        if (restarter == null) {
            throw new UnsupportedOperationException("only a dedicated server can be restarted");
        }
        try {
            restarter.close();
        } catch (Exception e) {
            throw new IllegalStateException("restart failed: " + e, e);
        }
    }

    public void stop() {
        try {
            stopper.close();
        } catch (Exception e) {
            throw new IllegalStateException("stop failed: " + e, e);
        }
    }

    public static synchronized TestPostgres shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    shared.stopper.close();
                } catch (Exception e) {
                    // best effort at JVM exit
                }
            }));
        }
        return shared;
    }

    /** Which kind of server is running: testcontainers, embedded or initdb. */
    public String kind() {
        return kind;
    }

    /** The server's superuser, for tests that need to administer it. */
    public Database admin() {
        return new Database(host, port, "postgres", SUPERUSER, password);
    }

    /** A new, empty database owned by the superuser. */
    public Database createDatabase() {
        String name = "custos_test_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid();
        try (Connection c = admin().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new Database(host, port, name, SUPERUSER, password);
    }

    private static TestPostgres start() {
        String forced = System.getenv("CUSTOS_TEST_PG");
        String password = "pw-" + UUID.randomUUID();
        List<String> failures = new ArrayList<>();
        if (forced == null || forced.equals("testcontainers")) {
            if (forced != null || DockerClientFactory.instance().isDockerAvailable()) {
                return startContainer(password);
            }
            failures.add("testcontainers: no Docker daemon");
        }
        if (forced == null || forced.equals("embedded")) {
            try {
                return startEmbedded(password);
            } catch (Exception e) {
                if (forced != null) {
                    throw new IllegalStateException("embedded PostgreSQL failed", e);
                }
                failures.add("embedded: " + e);
            }
        }
        try {
            return startInitdb(password);
        } catch (Exception e) {
            throw new IllegalStateException("no PostgreSQL for tests; tried " + failures + " and initdb: " + e, e);
        }
    }

    @SuppressWarnings("resource")
    private static TestPostgres startContainer(String password) {
        PostgreSQLContainer<?> c = new PostgreSQLContainer<>("postgres:15-alpine")
                .withUsername(SUPERUSER).withPassword(password).withDatabaseName("postgres");
        c.start();
        return new TestPostgres("testcontainers", c.getHost(), c.getMappedPort(5432), password, c::stop);
    }

    private static TestPostgres startEmbedded(String password) throws Exception {
        Path dir = Files.createTempDirectory("custos-pg");
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "300").start();
        // zonky runs initdb with trust auth: set a password and require SCRAM on TCP
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl(SUPERUSER, "postgres"), SUPERUSER, "");
                Statement s = c.createStatement()) {
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("ALTER ROLE postgres PASSWORD '" + password + "'");
            Files.writeString(dir.resolve("pg_hba.conf"), String.join("\n",
                    "local all all trust",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host all all ::1/128 scram-sha-256", ""), StandardCharsets.UTF_8);
            s.execute("SELECT pg_reload_conf()");
        }
        return new TestPostgres("embedded", "localhost", pg.getPort(), password, pg::close);
    }

    private static TestPostgres startInitdb(String password) throws Exception {
        Path bin = Path.of(System.getenv().getOrDefault("CUSTOS_PG_BIN", "/usr/lib/postgresql/15/bin"));
        Path dir = Files.createTempDirectory("custos-initdb");
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, password);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            run(List.of("chown", "-R", "postgres", dir.toString()));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run(asPostgres(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
                "--auth=scram-sha-256", "--pwfile=" + pwfile, "-E", "UTF8")));
        List<String> start = asPostgres(root, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-l",
                dir.resolve("log").toString(), "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1"
                        + " -c max_connections=300", "start"));
        run(start);
        AutoCloseable stop = () -> run(asPostgres(root, List.of(bin.resolve("pg_ctl").toString(), "-D",
                data.toString(), "-m", "immediate", "stop")));
        AutoCloseable restart = () -> {
            stop.close();
            run(start);
        };
        return new TestPostgres("initdb", "127.0.0.1", port, password, stop, restart);
    }

    private static List<String> asPostgres(boolean root, List<String> cmd) {
        if (!root) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        out.addAll(cmd);
        return out;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
