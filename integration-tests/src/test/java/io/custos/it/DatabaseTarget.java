package io.custos.it;

import io.custos.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Dev-mode brokers on one storage database, and a PostgreSQL target with a database mount configured. */
final class DatabaseTarget {
    static final String ROOT = "it-root";

    private DatabaseTarget() {
    }

    static Map<String, String> env(TestPostgres.Database storage, Path devDir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("CUSTOS_STORAGE_URL", storage.jdbcUrl(), "CUSTOS_STORAGE_USER",
                storage.user(), "CUSTOS_STORAGE_PASSWORD", storage.password(), "CUSTOS_DEV_DIR", devDir.toString(),
                "CUSTOS_DEV_ROOT_TOKEN_ID", ROOT, "CUSTOS_LEASES_POLL_INTERVAL", "200ms",
                "CUSTOS_LEASES_PENDING_GRACE", "2s", "CUSTOS_LEASES_RETRY_BASE", "200ms",
                "CUSTOS_LEASES_RETRY_MAX", "2s"));
        env.putAll(extra);
        return env;
    }

    static BrokerProcess start(int port, Map<String, String> env, Path dir) throws Exception {
        BrokerProcess b = BrokerProcess.start(List.of("server", "-dev", "-dev-listen-address=127.0.0.1:" + port), env,
                dir);
        b.awaitOutput("Root Token: " + ROOT, Duration.ofSeconds(90));
        return b;
    }

    /** Mounts database/, configures connection "app" to {@code target} and role {@code role}. */
    static void configure(ApiClient api, TestPostgres.Database target, String role, String roleJson) throws Exception {
        configure(api, target, role, roleJson, null);
    }

    /**
     * The same, with a username template: roles are cluster-wide in PostgreSQL, so a test that
     * counts "its" users by prefix needs a prefix no other test uses.
     */
    static void configure(ApiClient api, TestPostgres.Database target, String role, String roleJson,
            String usernameTemplate) throws Exception {
        api.call("POST", "sys/mounts/database", ROOT, "{\"type\":\"database\"}", 204);
        api.call("POST", "database/config/app", ROOT, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port()
                + "/" + target.name() + "?sslmode=disable\",\"username\":\"" + target.user() + "\",\"password\":\""
                + target.password() + "\",\"allowed_roles\":\"*\",\"max_open_connections\":8"
                + (usernameTemplate == null ? "" : ",\"username_template\":\"" + usernameTemplate + "\"") + "}", 204);
        api.call("POST", "database/roles/" + role, ROOT, roleJson, 204);
    }

    /** Roles in the target whose names start with {@code prefix}. */
    static Set<String> roles(TestPostgres.Database target, String prefix) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT rolname FROM pg_roles WHERE rolname LIKE '" + prefix + "%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static long count(TestPostgres.Database db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Polls until {@code check} holds or the timeout passes; returns whether it held. */
    static boolean await(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return true;
            }
            Thread.sleep(200);
        }
        return check.holds();
    }

    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }
}
