import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long a change made on one broker takes to be seen by the others (issue 14's "a change on one
 * node seen by all ≤ 1 s p99"): three broker processes on one PostgreSQL (see
 * bench/invalidation.sh); each round writes a KV secret on one node, then polls the two others
 * over keep-alive HTTP until both answer the new value; then the same for a token revoked on one
 * node until the others refuse it. Prints a markdown table of p50, p99 and max.
 * Usage: java bench/InvalidationBench.java JAR PGPORT PGPASSWORD ROUNDS
 */
public class InvalidationBench {
    static final String TOKEN = "bench";
    static final int[] PORTS = {8301, 8302, 8303};
    static final HttpClient[] HTTP = {HttpClient.newHttpClient(), HttpClient.newHttpClient(), HttpClient.newHttpClient()};

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        int pgPort = Integer.parseInt(args[1]);
        String pgPassword = args[2];
        int rounds = Integer.parseInt(args[3]);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                "postgres", pgPassword); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE storage");
        }
        List<Process> brokers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                brokers.add(start(jar, i, pgPort, pgPassword));
            }
            call(0, "POST", "sys/mounts/inv", TOKEN, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");
            List<Long> kv = new ArrayList<>();
            List<Long> revocation = new ArrayList<>();
            call(0, "POST", "inv/data/k", TOKEN, "{\"data\":{\"v\":\"-1\"}}");
            for (int r = 0; r < rounds; r++) {
                kv.add(secretSeenByAll(r));
                revocation.add(revocationSeenByAll(r));
            }
            System.out.println("| what (3 brokers, one PostgreSQL) | rounds | p50 | p99 | max |");
            System.out.println("|---|---|---|---|---|");
            row("KV v2 write on one node, new value read on both others", kv);
            row("token revoked on one node, refused by both others", revocation);
        } finally {
            for (Process p : brokers) {
                p.destroy();
            }
            for (Process p : brokers) {
                p.waitFor();
            }
        }
    }

    /** Writes on node r % 3, then polls the other two until both read it; nanoseconds from the write's answer. */
    static long secretSeenByAll(int r) throws Exception {
        int writer = r % 3;
        String value = Integer.toString(r);
        call(writer, "POST", "inv/data/k", TOKEN, "{\"data\":{\"v\":\"" + value + "\"}}");
        long t0 = System.nanoTime();
        for (int n = 0; n < 3; n++) {
            if (n == writer) {
                continue;
            }
            while (!call(n, "GET", "inv/data/k", TOKEN, null).body().contains("\"v\":\"" + value + "\"")) {
                Thread.onSpinWait();
            }
        }
        return System.nanoTime() - t0;
    }

    /** A token used (so cached) on every node, revoked on node r % 3; until both others refuse it. */
    static long revocationSeenByAll(int r) throws Exception {
        int revoker = r % 3;
        String body = call(revoker, "POST", "auth/token/create", TOKEN, "{\"policies\":[\"default\"]}").body();
        String t = body.replaceAll(".*\"client_token\":\"([^\"]+)\".*", "$1");
        for (int n = 0; n < 3; n++) {
            if (call(n, "GET", "auth/token/lookup-self", t, null).statusCode() != 200) {
                throw new IllegalStateException("token not usable on node " + n);
            }
        }
        call(revoker, "POST", "auth/token/revoke", TOKEN, "{\"token\":\"" + t + "\"}");
        long t0 = System.nanoTime();
        for (int n = 0; n < 3; n++) {
            if (n == revoker) {
                continue;
            }
            while (call(n, "GET", "auth/token/lookup-self", t, null).statusCode() != 403) {
                Thread.onSpinWait();
            }
        }
        return System.nanoTime() - t0;
    }

    static void row(String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        System.out.printf("| %s | %d | %.1f ms | %.1f ms | %.1f ms |%n", what, sorted.size(),
                sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6,
                sorted.get(sorted.size() - 1) / 1e6);
    }

    static HttpResponse<String> call(int node, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS[node] + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        return HTTP[node].send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Process start(String jar, int i, int pgPort, String pgPassword) throws Exception {
        Path log = Path.of("/tmp/custos-invalidation-bench-" + i + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar, "server", "-dev", "-dev-root-token-id=" + TOKEN,
                "-dev-listen-address=127.0.0.1:" + PORTS[i]);
        pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
        pb.environment().put("CUSTOS_STORAGE_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/storage");
        pb.environment().put("CUSTOS_STORAGE_USER", "postgres");
        pb.environment().put("CUSTOS_STORAGE_PASSWORD", pgPassword);
        pb.environment().put("CUSTOS_DEV_DIR", Path.of(System.getProperty("java.io.tmpdir"), "custos-invalidation-dev")
                .toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("broker " + i + " exited: " + Files.readString(log));
            }
            try {
                if (call(i, "GET", "sys/health", null, null).statusCode() == 200
                        && Files.readString(log).contains("Root Token")) {
                    return p;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20);
        }
    }
}
