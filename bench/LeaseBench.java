import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lease and dynamic-credential benchmarks against a real broker process and a real PostgreSQL,
 * each figure beside its ceiling measured in the same run (see bench/leases.sh, which prepares
 * the PostgreSQL cluster). Prints a markdown report. Run with the broker's shaded jar on the
 * class path: java -cp custos-broker-*-all.jar bench/LeaseBench.java JAR PGPORT PGPASSWORD SECONDS
 */
public class LeaseBench {
    static final String TOKEN = "bench";
    static String jar;
    static int pgPort;
    static String pgPassword;
    static int seconds;
    static final int BROKER_PORT = 8291;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final SecureRandom RANDOM = new SecureRandom();
    static final Pattern USER = Pattern.compile("\"username\":\"([^\"]+)\"");
    static final Pattern LEASE = Pattern.compile("\"lease_id\":\"([^\"]+)\"");
    static final StringBuilder report = new StringBuilder();

    public static void main(String[] args) throws Exception {
        jar = args[0];
        pgPort = Integer.parseInt(args[1]);
        pgPassword = args[2];
        seconds = Integer.parseInt(args[3]);
        try (Connection c = db("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE storage");
            s.execute("CREATE DATABASE target");
        }
        try (Connection c = db("target"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE bench_group NOLOGIN");
            s.execute("CREATE TABLE revocations (username text, at timestamptz)");
        }
        List<String> sections = List.of((args.length > 4 ? args[4] : "creds,expiry,lag,startup").split(","));
        Process broker = startBroker();
        configure();
        if (sections.contains("creds")) {
            credentialThroughput();
        }
        if (sections.contains("expiry")) {
            expiryBurst(10_000);
        }
        if (sections.contains("lag")) {
            sparseLag(300);
        }
        stop(broker);
        if (sections.contains("startup")) {
            startup();
        }
        System.out.println(report);
    }

    // ---- pieces ----

    static Connection db(String name) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/" + name, "postgres", pgPassword);
    }

    static Process startBroker() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", jar, "server", "-dev", "-dev-root-token-id=" + TOKEN,
                "-dev-listen-address=127.0.0.1:" + BROKER_PORT);
        pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
        pb.environment().put("CUSTOS_STORAGE_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/storage");
        pb.environment().put("CUSTOS_STORAGE_USER", "postgres");
        pb.environment().put("CUSTOS_STORAGE_PASSWORD", pgPassword);
        pb.environment().put("CUSTOS_DEV_DIR", Path.of(System.getProperty("java.io.tmpdir"), "custos-bench-dev").toString());
        pb.environment().put("CUSTOS_STORAGE_MAX_CONNECTIONS", "20");
        pb.redirectErrorStream(true).redirectOutput(Path.of("/tmp/custos-lease-bench.log").toFile());
        Process p = pb.start();
        long t0 = System.nanoTime();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("broker exited: " + Files.readString(Path.of("/tmp/custos-lease-bench.log")));
            }
            try {
                HttpResponse<String> r = send("GET", "sys/health", null);
                if (r.statusCode() == 200 && Files.readString(Path.of("/tmp/custos-lease-bench.log")).contains("Root Token")) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        lastStartupMs = (System.nanoTime() - t0) / 1_000_000;
        return p;
    }

    static long lastStartupMs;

    static void stop(Process p) throws Exception {
        p.destroy();
        p.waitFor();
    }

    static long rssKib(Process p) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + BROKER_PORT + "/v1/" + path))
                .header("X-Vault-Token", TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String ok(String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static void configure() throws Exception {
        ok("POST", "sys/mounts/database", "{\"type\":\"database\"}");
        connections(4);
        ok("POST", "database/roles/bench", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\""
                + " WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE bench_group\","
                + "\"default_ttl\":\"1h\"}");
        ok("POST", "database/roles/sparse", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\""
                + " WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE bench_group\","
                + "\"revocation_statements\":\"INSERT INTO revocations VALUES ('{{name}}', clock_timestamp()); "
                + "DROP ROLE IF EXISTS \\\"{{name}}\\\"\",\"default_ttl\":\"1h\"}");
    }

    static void connections(int n) throws Exception {
        ok("POST", "database/config/app", "{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":"
                + "\"postgresql://{{username}}:{{password}}@127.0.0.1:" + pgPort + "/target?sslmode=disable\","
                + "\"username\":\"postgres\",\"password\":\"" + pgPassword + "\",\"allowed_roles\":\"*\","
                + "\"max_open_connections\":" + n + ",\"max_idle_connections\":" + n + "}");
    }

    interface Op {
        void run(int thread, long i) throws Exception;
    }

    /** Runs {@code op} on {@code threads} threads for {@code secs}; returns operations per second. */
    static double rate(int threads, int secs, Op op) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            fs.add(pool.submit(() -> {
                long i = 0;
                while (!stop.get()) {
                    op.run(thread, i++);
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        Thread.sleep(secs * 1000L);
        stop.set(true);
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }

    static String password() {
        char[] a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
        char[] out = new char[20];
        for (int i = 0; i < 20; i++) {
            out[i] = a[RANDOM.nextInt(a.length)];
        }
        return new String(out);
    }

    /** Raw CREATE ROLE … LOGIN PASSWORD … VALID UNTIL … IN ROLE on {@code n} JDBC connections. */
    static double rawCreate(int n, int secs, String prefix) throws Exception {
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            conns.add(db("target"));
        }
        String until = Instant.now().plusSeconds(3600).toString().replace("T", " ").replace("Z", "+00");
        double r = rate(n, secs, (t, i) -> {
            try (Statement s = conns.get(t).createStatement()) {
                s.execute("CREATE ROLE \"" + prefix + t + "_" + i + "\" WITH LOGIN PASSWORD '" + password()
                        + "' VALID UNTIL '" + until + "' IN ROLE bench_group");
            }
        });
        for (Connection c : conns) {
            c.close();
        }
        return r;
    }

    static List<String> roles(String prefix) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db("target"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT rolname FROM pg_roles WHERE rolname LIKE '" + prefix + "%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Raw DROP ROLE of every role with the prefix on {@code n} connections; returns drops per second. */
    static double rawDrop(String prefix, int n) throws Exception {
        List<String> names = roles(prefix);
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            conns.add(db("target"));
        }
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Connection c = conns.get(t);
            fs.add(pool.submit(() -> {
                long i;
                while ((i = next.getAndIncrement()) < names.size()) {
                    try (Statement s = c.createStatement()) {
                        s.execute("DROP ROLE \"" + names.get((int) i) + "\"");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        double r = names.size() / ((System.nanoTime() - t0) / 1e9);
        for (Connection c : conns) {
            c.close();
        }
        return r;
    }

    static void credentialThroughput() throws Exception {
        report.append("## Dynamic credentials issued per second (PostgreSQL ").append(serverVersion()).append(")\n\n")
                .append("Medians of 3 alternating rounds of ").append(seconds).append(" s each, after a 10 s warm-up; ")
                .append("HTTP load from wrk (keep-alive).\n\n")
                .append("| target connections | raw CREATE ROLE … IN ROLE (JDBC, one thread per connection) "
                        + "| HTTP clients | Custos `GET database/creds/bench` | ratio |\n")
                .append("|---|---|---|---|---|\n");
        for (int[] setup : new int[][] {{1, 1}, {1, 4}, {4, 4}}) {
            int n = setup[0];
            int clients = setup[1];
            connections(n);
            rate(n, 10, (t, i) -> ok("GET", "database/creds/bench", null)); // warm-up (JIT)
            rawCreate(n, 3, "warm_");
            List<Double> raws = new ArrayList<>();
            List<Double> ours = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                raws.add(rawCreate(n, seconds, "raw" + n + "_" + clients + "_" + round + "_"));
                ours.add(wrk(clients, seconds, "database/creds/bench"));
            }
            Collections.sort(raws);
            Collections.sort(ours);
            double raw = raws.get(1);
            double custos = ours.get(1);
            report.append(String.format("| %d | %.0f/s (%.0f, %.0f, %.0f) | %d | %.0f/s (%.0f, %.0f, %.0f) | %.0f %% |%n", n,
                    raw, raws.get(0), raws.get(1), raws.get(2), clients, custos, ours.get(0), ours.get(1), ours.get(2),
                    100 * custos / raw));
            rawDrop("raw", 4);
            rawDrop("warm_", 4);
            ok("PUT", "sys/leases/revoke-prefix/database/creds/bench", "{\"sync\":true}");
        }
        report.append('\n');
    }

    /** Keep-alive GETs with wrk (the load generator the other HTTP benchmarks use; C, so it barely takes CPU). */
    static double wrk(int connections, int secs, String path) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t" + Math.min(connections, 2), "-c" + connections, "-d" + secs + "s",
                "-H", "X-Vault-Token: " + TOKEN, "http://127.0.0.1:" + BROKER_PORT + "/v1/" + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk saw errors:\n" + out);
        }
        Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no wrk result:\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    static String serverVersion() throws SQLException {
        try (Connection c = db("postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static long count(String sql) throws SQLException {
        try (Connection c = db("storage"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Issues {@code n} credentials of {@code role} on 4 threads; returns username -> lease id. */
    static Map<String, String> issue(String role, int n) throws Exception {
        Map<String, String> out = new ConcurrentHashMap<>();
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            fs.add(pool.submit(() -> {
                while (next.getAndIncrement() < n) {
                    String body = ok("GET", "database/creds/" + role, null);
                    Matcher u = USER.matcher(body);
                    Matcher l = LEASE.matcher(body);
                    u.find();
                    l.find();
                    out.put(u.group(1), l.group(1));
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return out;
    }

    static void expiryBurst(int n) throws Exception {
        connections(4);
        issue("bench", n);
        // every lease due in the same second: the expiry is moved in storage (issuing 10,000 takes longer than a second)
        try (Connection c = db("storage"); Statement s = c.createStatement()) {
            s.execute("UPDATE custos_leases SET expire_time = date_trunc('second', now()) + interval '3 s', "
                    + "due_time = date_trunc('second', now()) + interval '3 s' WHERE lease_id LIKE 'database/creds/bench/%'");
        }
        long dueAt;
        try (Connection c = db("storage"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT extract(epoch FROM max(due_time)) * 1000 FROM custos_leases")) {
            rs.next();
            dueAt = rs.getLong(1);
        }
        while (count("SELECT count(*) FROM custos_leases") > 0) {
            Thread.sleep(50);
        }
        double secs = (System.currentTimeMillis() - dueAt) / 1000.0;
        double raw;
        rawCreateNoPassword("drop_", n);
        raw = rawDrop("drop_", 2);
        double sequence = rawDefaultRevocation(n, 2);
        report.append("## Expiry: ").append(n).append(" leases due in the same second (2 expiry workers)\n\n")
                .append(String.format("- all revoked (default revocation: NOLOGIN, terminate sessions, owned-object check, "
                        + "DROP ROLE) %.1f s after they fell due: **%.0f revocations/s**%n", secs, n / secs))
                .append(String.format("- ceiling, same 2 connections: raw `DROP ROLE` %.0f/s; the statements the default "
                        + "revocation sends (lookup with owned-object check; NOLOGIN + terminate + DROP ROLE in one "
                        + "transaction; terminate again) issued raw over JDBC %.0f/s%n", raw, sequence))
                .append(String.format("- ratio: %.0f %% of raw DROP ROLE, %.0f %% of the raw default sequence%n%n",
                        100 * (n / secs) / raw, 100 * (n / secs) / sequence));
    }

    static void rawCreateNoPassword(String prefix, int n) throws Exception {
        try (Connection c = db("target"); Statement s = c.createStatement()) {
            for (int i = 0; i < n; i++) {
                s.addBatch("CREATE ROLE \"" + prefix + i + "\" LOGIN");
                if (i % 500 == 499) {
                    s.executeBatch();
                }
            }
            s.executeBatch();
        }
    }

    /** What the default revocation sends, raw over JDBC with {@code conns} connections. */
    static double rawDefaultRevocation(int n, int conns) throws Exception {
        rawCreateNoPassword("seq_", n);
        List<String> names = roles("seq_");
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(conns);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < conns; t++) {
            fs.add(pool.submit(() -> {
                try (Connection c = db("target")) {
                    long i;
                    while ((i = next.getAndIncrement()) < names.size()) {
                        String r = "\"" + names.get((int) i) + "\"";
                        String name = names.get((int) i);
                        try (Statement s = c.createStatement()) {
                            long oid;
                            try (ResultSet rs = s.executeQuery("SELECT r.oid, EXISTS (SELECT 1 FROM pg_shdepend d WHERE "
                                    + "d.refobjid = r.oid AND d.deptype IN ('o','a','i','r')) FROM pg_roles r WHERE rolname = '"
                                    + name + "'")) {
                                rs.next();
                                oid = rs.getLong(1);
                            }
                            String end = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_get_activity(NULL) WHERE usesysid = "
                                    + oid + " AND pid <> pg_backend_pid()";
                            s.execute("ALTER ROLE " + r + " NOLOGIN; " + end + "; DROP ROLE IF EXISTS " + r);
                            s.executeQuery(end).close();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return names.size() / ((System.nanoTime() - t0) / 1e9);
    }

    static void sparseLag(int n) throws Exception {
        Map<String, String> issued = issue("sparse", n);
        try (Connection c = db("storage"); Statement s = c.createStatement()) {
            s.execute("UPDATE custos_leases SET expire_time = now() + (2 + random() * 28) * interval '1 s' "
                    + "WHERE lease_id LIKE 'database/creds/sparse/%'");
            s.execute("UPDATE custos_leases SET due_time = expire_time WHERE lease_id LIKE 'database/creds/sparse/%'");
        }
        Map<String, Double> expiry = new HashMap<>();
        try (Connection c = db("storage"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT lease_id, extract(epoch FROM expire_time) FROM custos_leases "
                        + "WHERE lease_id LIKE 'database/creds/sparse/%'")) {
            while (rs.next()) {
                expiry.put(rs.getString(1), rs.getDouble(2));
            }
        }
        while (count("SELECT count(*) FROM custos_leases WHERE lease_id LIKE 'database/creds/sparse/%'") > 0) {
            Thread.sleep(200);
        }
        List<Double> lags = new ArrayList<>();
        try (Connection c = db("target"); PreparedStatement s = c.prepareStatement(
                "SELECT username, extract(epoch FROM at) FROM revocations")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    lags.add(rs.getDouble(2) - expiry.get(issued.get(rs.getString(1))));
                }
            }
        }
        Collections.sort(lags);
        report.append("## Sparse expiries: lag from expiry to revocation (").append(lags.size())
                .append(" leases spread over 30 s, poll interval 1 s)\n\n")
                .append(String.format("- p50 %.0f ms, p99 %.0f ms, max %.0f ms%n%n", 1000 * lags.get(lags.size() / 2),
                        1000 * lags.get((int) Math.ceil(lags.size() * 0.99) - 1), 1000 * lags.get(lags.size() - 1)));
    }

    static void startup() throws Exception {
        report.append("## Start-up to ready and RSS, by stored lease count (median of 3 starts, -Xmx1g)\n\n")
                .append("| leases | start to ready | RSS 5 s after ready |\n|---|---|---|\n");
        long[] none = measureStartup();
        report.append(String.format("| 0 | %d ms | %d MiB |%n", none[0], none[1] / 1024));
        try (Connection c = db("storage"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO custos_leases SELECT 'database/creds/bench/filler' || g, 'database/creds/bench', '',"
                    + " now(), now() + interval '30 days', now() + interval '30 days', NULL, 2592000, true, 1, 0, NULL,"
                    + " now() + interval '30 days', '\\x00'::bytea, 1 FROM generate_series(1, 1000000) g");
            s.execute("ANALYZE custos_leases");
        }
        long[] million = measureStartup();
        report.append(String.format("| 1,000,000 | %d ms | %d MiB |%n", million[0], million[1] / 1024));
        report.append(String.format("%nratio: start-up %.2f×, RSS %.2f×%n", (double) million[0] / none[0],
                (double) million[1] / none[1]));
        try (Connection c = db("storage"); Statement s = c.createStatement()) {
            s.execute("DELETE FROM custos_leases WHERE lease_id LIKE 'database/creds/bench/filler%'");
        }
    }

    static long[] measureStartup() throws Exception {
        List<Long> times = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = startBroker();
            times.add(lastStartupMs);
            Thread.sleep(5000);
            rss.add(rssKib(p));
            stop(p);
        }
        Collections.sort(times);
        Collections.sort(rss);
        return new long[] {times.get(1), rss.get(1)};
    }
}
