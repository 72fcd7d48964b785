package io.custos.engine.database;

import io.custos.engine.sdk.EngineException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A {@code connection_url} in the forms Vault's PostgreSQL plugin accepts — a libpq URL
 * ({@code postgresql://{{username}}:{{password}}@host:5432/db?sslmode=disable}) or a key=value DSN
 * ({@code host=db port=5432 dbname=app user={{username}} sslmode=disable}) — or a JDBC URL, turned
 * into what pgjdbc needs. The {@code {{username}}}/{{password}} templates stand for the config's
 * credentials, which travel as connection properties, never inside the URL.
 */
record ConnectionUrl(String hosts, String database, Map<String, String> parameters, String literalUser,
        String literalPassword) {

    /** libpq parameters and their pgjdbc property names. */
    private static final Map<String, String> LIBPQ = Map.ofEntries(
            Map.entry("sslmode", "sslmode"), Map.entry("sslcert", "sslcert"), Map.entry("sslkey", "sslkey"),
            Map.entry("sslrootcert", "sslrootcert"), Map.entry("sslpassword", "sslpassword"),
            Map.entry("application_name", "ApplicationName"), Map.entry("connect_timeout", "connectTimeout"),
            Map.entry("options", "options"), Map.entry("target_session_attrs", "targetServerType"),
            Map.entry("gssencmode", "gssEncMode"));

    static ConnectionUrl parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw EngineException.badRequest("connection_url cannot be empty");
        }
        String url = raw.trim();
        if (url.startsWith("jdbc:postgresql:")) {
            return parseUrl(url.substring("jdbc:".length()), true);
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            return parseUrl(url, false);
        }
        if (url.contains("=")) {
            return parseDsn(url);
        }
        throw EngineException.badRequest("connection_url must be a postgresql:// URL, a key=value DSN or a "
                + "jdbc:postgresql: URL");
    }

    /** The JDBC URL for {@code db} on the same server (another database for owned objects). */
    String jdbcUrl(String db) {
        return "jdbc:postgresql://" + hosts + "/" + encode(db);
    }

    String jdbcUrl() {
        return jdbcUrl(database);
    }

    Properties properties(String user, String password) {
        Properties p = new Properties();
        parameters.forEach(p::setProperty);
        if (user != null && !user.isEmpty()) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        return p;
    }

    private static ConnectionUrl parseUrl(String url, boolean jdbc) {
        String rest = url.substring(url.indexOf("//") + 2);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userinfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userinfo.indexOf(':');
            user = decode(colon >= 0 ? userinfo.substring(0, colon) : userinfo);
            password = colon >= 0 ? decode(userinfo.substring(colon + 1)) : null;
        }
        int slash = rest.indexOf('/');
        String hosts = slash >= 0 ? rest.substring(0, slash) : rest;
        String db = slash >= 0 ? decode(rest.substring(slash + 1)) : "";
        if (hosts.isEmpty()) {
            hosts = "localhost";
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String v = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            if (k.equals("user")) {
                user = v;
            } else if (k.equals("password")) {
                password = v;
            } else {
                params.put(jdbc ? k : LIBPQ.getOrDefault(k, k), v);
            }
        }
        return new ConnectionUrl(hosts, db.isEmpty() ? "postgres" : db, params, templateFree(user),
                templateFree(password));
    }

    private static ConnectionUrl parseDsn(String dsn) {
        Map<String, String> kv = new LinkedHashMap<>();
        int i = 0;
        int n = dsn.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(dsn.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = dsn.indexOf('=', i);
            if (eq < 0) {
                throw EngineException.badRequest("connection_url: missing '=' after \"" + dsn.substring(i).split("\\s")[0]
                        + "\"");
            }
            String key = dsn.substring(i, eq).trim();
            i = eq + 1;
            while (i < n && dsn.charAt(i) == ' ') {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && dsn.charAt(i) == '\'') {
                i++;
                while (i < n && dsn.charAt(i) != '\'') {
                    if (dsn.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    value.append(dsn.charAt(i++));
                }
                if (i >= n) {
                    throw EngineException.badRequest("connection_url: unterminated quoted value for " + key);
                }
                i++;
            } else {
                while (i < n && !Character.isWhitespace(dsn.charAt(i))) {
                    value.append(dsn.charAt(i++));
                }
            }
            kv.put(key, value.toString());
        }
        String host = kv.getOrDefault("host", kv.getOrDefault("hostaddr", "localhost"));
        String port = kv.getOrDefault("port", "5432");
        String db = kv.getOrDefault("dbname", "postgres");
        Map<String, String> params = new LinkedHashMap<>();
        kv.forEach((k, v) -> {
            if (!Map.of("host", 1, "hostaddr", 1, "port", 1, "dbname", 1, "user", 1, "password", 1).containsKey(k)) {
                params.put(LIBPQ.getOrDefault(k, k), v);
            }
        });
        return new ConnectionUrl(host + ":" + port, db, params, templateFree(kv.get("user")),
                templateFree(kv.get("password")));
    }

    /** A literal value, or null when it is a {@code {{...}}} template (filled in from the config). */
    private static String templateFree(String v) {
        return v == null || v.contains("{{") ? null : v;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "ConnectionUrl[" + hosts + "/" + database + "]";
    }
}
