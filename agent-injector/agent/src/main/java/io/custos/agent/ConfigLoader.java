package io.custos.agent;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Vault Agent configuration files — HCL (hcl4j) or JSON, in the shapes Vault Agent and
 * vault-k8s write them (labelled blocks, {@code type} keys, lists of blocks) — into an
 * {@link AgentConfig}. Several files are merged in order. A key the agent does not know is an
 * error naming the key, the block, the file and the line, so a typo is caught before it matters.
 */
public final class ConfigLoader {
    private static final Set<String> TOP = Set.of("vault", "auto_auth", "template", "template_config", "exit_after_auth",
            "pid_file", "listener", "env_template", "exec", "revoke_on_shutdown", "state_file", "cache", "api_proxy",
            "log_level", "log_file", "log_format");
    private static final Set<String> VAULT = Set.of("address", "ca_cert", "ca_path", "client_cert", "client_key",
            "tls_server_name", "tls_skip_verify", "retry");
    private static final Set<String> RETRY = Set.of("num_retries");
    private static final Set<String> AUTO_AUTH = Set.of("method", "sink");
    private static final Set<String> METHOD = Set.of("type", "mount_path", "namespace", "config", "min_backoff",
            "max_backoff", "exit_on_err", "wrap_ttl");
    private static final Set<String> SINK = Set.of("type", "config", "wrap_ttl", "dh_type", "dh_path", "aad",
            "aad_env_var", "derive_key");
    private static final Set<String> SINK_CONFIG = Set.of("path", "mode");
    private static final Set<String> TEMPLATE = Set.of("source", "contents", "destination", "perms", "create_dest_dirs",
            "error_on_missing_key", "left_delimiter", "right_delimiter", "command", "command_timeout", "exec", "wait",
            "backup");
    private static final Set<String> TEMPLATE_EXEC = Set.of("command", "timeout");
    private static final Set<String> WAIT = Set.of("min", "max");
    private static final Set<String> TEMPLATE_CONFIG = Set.of("exit_on_retry_failure", "static_secret_render_interval",
            "lease_renewal_threshold", "max_connections_per_host");
    private static final Set<String> LISTENER = Set.of("type", "address", "tls_disable", "tls_cert_file",
            "tls_key_file", "agent_api");
    private static final Set<String> AGENT_API = Set.of("enable_quit");
    private static final Set<String> ENV_TEMPLATE = Set.of("contents", "error_on_missing_key");
    private static final Set<String> EXEC = Set.of("command", "restart_on_secret_changes", "restart_stop_signal");

    private ConfigLoader() {
    }

    /** Loads and merges {@code files} (later files add blocks and override settings). */
    public static AgentConfig load(List<Path> files, Map<String, String> env) {
        if (files.isEmpty()) {
            throw new ConfigException("at least one -config file is required");
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        List<Object> templates = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException("cannot read " + f + ": " + e.getMessage());
            }
            Map<String, Object> doc = parse(f.toString(), text);
            Checker check = new Checker(f.toString(), text);
            check.keys(doc, TOP, "the configuration");
            for (Map.Entry<String, Object> e : doc.entrySet()) {
                if (e.getKey().equals("template")) {
                    templates.addAll(asList(e.getValue()));
                } else {
                    merged.put(e.getKey(), e.getValue());
                }
            }
            validate(doc, check);
        }
        merged.put("template", templates);
        return build(merged, env);
    }

    /** Loads one configuration given as text (the injector's generated config, tests). */
    public static AgentConfig parseText(String name, String text, Map<String, String> env) {
        Map<String, Object> doc = parse(name, text);
        Checker check = new Checker(name, text);
        check.keys(doc, TOP, "the configuration");
        validate(doc, check);
        Map<String, Object> merged = new LinkedHashMap<>(doc);
        merged.put("template", asList(doc.get("template")));
        return build(merged, env);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String name, String text) {
        String t = text.strip();
        try {
            if (t.startsWith("{")) {
                Object doc = Json.read(t);
                if (!(doc instanceof Map)) {
                    throw new IOException("the JSON document is not an object");
                }
                return (Map<String, Object>) doc;
            }
            return HclLiterals.restore(new HCLParser().parse(HclLiterals.protect(text)));
        } catch (Exception | StackOverflowError | LinkageError e) { // LinkageError: hcl4j's http lookup, not shipped
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException("cannot parse " + name + ": " + m);
        }
    }

    // ---- validation of known keys, with lines

    private static final class Checker {
        private final String file;
        private final String text;

        Checker(String file, String text) {
            this.file = file;
            this.text = text;
        }

        void keys(Map<String, Object> block, Set<String> known, String where) {
            if (block == null) {
                return;
            }
            for (String k : block.keySet()) {
                if (!known.contains(k)) {
                    throw new ConfigException("unknown key \"" + k + "\" in " + where + " (" + file + lineOf(k) + ")");
                }
            }
        }

        private String lineOf(String key) {
            Matcher m = Pattern.compile("(?m)^\\s*\"?" + Pattern.quote(key) + "\"?\\s*[=:{\"]").matcher(text);
            if (!m.find()) {
                return "";
            }
            int line = 1;
            for (int i = 0; i < m.start(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            int offset = 0;
            while (offset < m.group().length() && Character.isWhitespace(m.group().charAt(offset))) {
                if (m.group().charAt(offset) == '\n') {
                    line++;
                }
                offset++;
            }
            return ", line " + line;
        }
    }

    private static void validate(Map<String, Object> doc, Checker check) {
        Map<String, Object> vault = map(doc.get("vault"), "vault");
        check.keys(vault, VAULT, "vault");
        if (vault != null) {
            for (Block b : blocks(vault.get("retry"), null)) {
                check.keys(b.body(), RETRY, "vault.retry");
            }
        }
        Map<String, Object> autoAuth = map(doc.get("auto_auth"), "auto_auth");
        check.keys(autoAuth, AUTO_AUTH, "auto_auth");
        if (autoAuth != null) {
            for (Block b : blocks(autoAuth.get("method"), "type")) {
                check.keys(b.body(), METHOD, "auto_auth.method");
            }
            for (Block b : blocks(autoAuth.get("sink"), "type")) {
                check.keys(b.body(), SINK, "auto_auth.sink");
                check.keys(map(b.body().get("config"), "sink.config"), SINK_CONFIG, "auto_auth.sink.config");
            }
        }
        for (Object t : asList(doc.get("template"))) {
            Map<String, Object> tm = map(t, "template");
            check.keys(tm, TEMPLATE, "template");
            for (Block b : blocks(tm.get("exec"), null)) {
                check.keys(b.body(), TEMPLATE_EXEC, "template.exec");
            }
            for (Block b : blocks(tm.get("wait"), null)) {
                check.keys(b.body(), WAIT, "template.wait");
            }
        }
        for (Block b : blocks(doc.get("template_config"), null)) {
            check.keys(b.body(), TEMPLATE_CONFIG, "template_config");
        }
        for (Block b : blocks(doc.get("listener"), "type")) {
            check.keys(b.body(), LISTENER, "listener");
            for (Block api : blocks(b.body().get("agent_api"), null)) {
                check.keys(api.body(), AGENT_API, "listener.agent_api");
            }
        }
        for (Block b : blocks(doc.get("env_template"), "name")) {
            Map<String, Object> body = new LinkedHashMap<>(b.body());
            body.remove("name");
            check.keys(body, ENV_TEMPLATE, "env_template");
        }
        for (Block b : blocks(doc.get("exec"), null)) {
            check.keys(b.body(), EXEC, "exec");
        }
    }

    // ---- building the record

    private static AgentConfig build(Map<String, Object> doc, Map<String, String> env) {
        Map<String, Object> v = map(doc.get("vault"), "vault");
        v = v == null ? Map.of() : v;
        String address = str(v.get("address"), firstEnv(env, "CUSTOS_ADDR", "VAULT_ADDR", "https://127.0.0.1:8200"));
        int retries = 12;
        for (Block b : blocks(v.get("retry"), null)) {
            retries = (int) num(b.body().get("num_retries"), retries);
        }
        AgentConfig.Vault vault = new AgentConfig.Vault(address,
                str(v.get("ca_cert"), firstEnv(env, "CUSTOS_CACERT", "VAULT_CACERT", null)),
                str(v.get("ca_path"), firstEnv(env, "CUSTOS_CAPATH", "VAULT_CAPATH", null)),
                str(v.get("client_cert"), firstEnv(env, "CUSTOS_CLIENT_CERT", "VAULT_CLIENT_CERT", null)),
                str(v.get("client_key"), firstEnv(env, "CUSTOS_CLIENT_KEY", "VAULT_CLIENT_KEY", null)),
                str(v.get("tls_server_name"), firstEnv(env, "CUSTOS_TLS_SERVER_NAME", "VAULT_TLS_SERVER_NAME", null)),
                // Go's strconv.ParseBool, as Vault reads VAULT_SKIP_VERIFY
                bool(v.get("tls_skip_verify"), Set.of("1", "t", "T", "true", "TRUE", "True").contains(firstEnv(env,
                        "CUSTOS_SKIP_VERIFY", "VAULT_SKIP_VERIFY", "false"))), retries);

        AgentConfig.AutoAuth autoAuth = null;
        Map<String, Object> aa = map(doc.get("auto_auth"), "auto_auth");
        if (aa != null) {
            List<Block> methods = blocks(aa.get("method"), "type");
            if (methods.size() != 1) {
                throw new ConfigException("auto_auth needs exactly one method block, found " + methods.size());
            }
            Block m = methods.get(0);
            String type = m.label();
            if (type == null || type.isEmpty()) {
                throw new ConfigException("auto_auth.method needs a type");
            }
            if (!Set.of("approle", "kubernetes", "jwt", "cert", "token_file").contains(type)) {
                throw new ConfigException("auto_auth.method type \"" + type + "\" is not supported (approle, kubernetes, "
                        + "jwt, cert, token_file)");
            }
            Map<String, Object> config = map(m.body().get("config"), "auto_auth.method.config");
            String mount = str(m.body().get("mount_path"), "auth/" + (type.equals("token_file") ? "token" : type));
            List<AgentConfig.Sink> sinks = new ArrayList<>();
            for (Block s : blocks(aa.get("sink"), "type")) {
                Map<String, Object> sc = map(s.body().get("config"), "sink.config");
                if (sc == null || str(sc.get("path"), "").isEmpty()) {
                    throw new ConfigException("auto_auth.sink needs config.path");
                }
                if (!"file".equals(s.label())) {
                    throw new ConfigException("auto_auth.sink type \"" + s.label() + "\" is not supported (file)");
                }
                for (String k : List.of("dh_type", "dh_path", "aad", "aad_env_var", "derive_key")) {
                    if (s.body().containsKey(k)) {
                        throw new ConfigException("auto_auth.sink " + k + " is not supported: the agent does not "
                                + "encrypt sink files (keep the sink on an in-memory volume with mode 0600, or use wrap_ttl)");
                    }
                }
                sinks.add(new AgentConfig.Sink("file", str(sc.get("path"), ""), perms(sc.get("mode"), 0640),
                        duration(s.body().get("wrap_ttl"), Duration.ZERO)));
            }
            autoAuth = new AgentConfig.AutoAuth(new AgentConfig.Method(type, stripSlash(mount),
                    str(m.body().get("namespace"), ""), config == null ? Map.of() : config,
                    duration(m.body().get("min_backoff"), Duration.ofSeconds(1)),
                    duration(m.body().get("max_backoff"), Duration.ofMinutes(5)),
                    bool(m.body().get("exit_on_err"), false), duration(m.body().get("wrap_ttl"), Duration.ZERO)), sinks);
        }

        List<AgentConfig.TemplateSpec> templates = new ArrayList<>();
        for (Object raw : asList(doc.get("template"))) {
            Map<String, Object> t = map(raw, "template");
            String source = str(t.get("source"), null);
            String contents = str(t.get("contents"), null);
            if ((source == null) == (contents == null)) {
                throw new ConfigException("template needs exactly one of source and contents");
            }
            String destination = str(t.get("destination"), null);
            if (destination == null || destination.isEmpty()) {
                throw new ConfigException("template needs a destination");
            }
            List<String> execCommand = List.of();
            Duration execTimeout = Duration.ofSeconds(30);
            for (Block e : blocks(t.get("exec"), null)) {
                execCommand = strings(e.body().get("command"));
                execTimeout = duration(e.body().get("timeout"), execTimeout);
            }
            Duration waitMin = Duration.ZERO;
            Duration waitMax = Duration.ZERO;
            for (Block w : blocks(t.get("wait"), null)) {
                waitMin = duration(w.body().get("min"), waitMin);
                waitMax = duration(w.body().get("max"), waitMax);
            }
            templates.add(new AgentConfig.TemplateSpec(source, contents, destination, perms(t.get("perms"), 0644),
                    bool(t.get("create_dest_dirs"), true), bool(t.get("error_on_missing_key"), false),
                    str(t.get("left_delimiter"), "{{"), str(t.get("right_delimiter"), "}}"),
                    str(t.get("command"), null), duration(t.get("command_timeout"), Duration.ofSeconds(30)),
                    execCommand, execTimeout, waitMin, waitMax, bool(t.get("backup"), false)));
        }

        AgentConfig.TemplateSettings settings = AgentConfig.TemplateSettings.DEFAULTS;
        for (Block b : blocks(doc.get("template_config"), null)) {
            Map<String, Object> tc = b.body();
            double threshold = tc.get("lease_renewal_threshold") == null ? settings.leaseRenewalThreshold()
                    : ((Number) numeric(tc.get("lease_renewal_threshold"), "lease_renewal_threshold")).doubleValue();
            if (threshold <= 0 || threshold >= 1) {
                throw new ConfigException("template_config.lease_renewal_threshold must be between 0 and 1");
            }
            settings = new AgentConfig.TemplateSettings(bool(tc.get("exit_on_retry_failure"), false),
                    duration(tc.get("static_secret_render_interval"), settings.staticSecretRenderInterval()), threshold,
                    (int) num(tc.get("max_connections_per_host"), settings.maxConnectionsPerHost()));
        }

        List<AgentConfig.Listener> listeners = new ArrayList<>();
        for (Block b : blocks(doc.get("listener"), "type")) {
            if (!"tcp".equals(b.label())) {
                throw new ConfigException("listener type \"" + b.label() + "\" is not supported (tcp)");
            }
            boolean quit = false;
            for (Block api : blocks(b.body().get("agent_api"), null)) {
                quit = bool(api.body().get("enable_quit"), false);
            }
            boolean tlsDisable = bool(b.body().get("tls_disable"), false);
            if (!tlsDisable && (b.body().get("tls_cert_file") == null || b.body().get("tls_key_file") == null)) {
                throw new ConfigException("listener needs tls_cert_file and tls_key_file, or tls_disable = true");
            }
            listeners.add(new AgentConfig.Listener("tcp", str(b.body().get("address"), "127.0.0.1:8200"), tlsDisable,
                    str(b.body().get("tls_cert_file"), null), str(b.body().get("tls_key_file"), null), quit));
        }
        List<AgentConfig.EnvTemplate> envTemplates = new ArrayList<>();
        for (Block b : blocks(doc.get("env_template"), "name")) {
            envTemplates.add(new AgentConfig.EnvTemplate(b.label(), str(b.body().get("contents"), ""),
                    bool(b.body().get("error_on_missing_key"), false)));
        }
        AgentConfig.Exec exec = null;
        for (Block b : blocks(doc.get("exec"), null)) {
            exec = new AgentConfig.Exec(strings(b.body().get("command")),
                    str(b.body().get("restart_on_secret_changes"), "always"),
                    str(b.body().get("restart_stop_signal"), "SIGTERM"));
        }
        if (autoAuth != null && autoAuth.method().wrapTtl().compareTo(Duration.ZERO) > 0) {
            if (autoAuth.method().type().equals("token_file")) {
                throw new ConfigException("auto_auth.method wrap_ttl cannot be used with token_file");
            }
            if (!templates.isEmpty() || !envTemplates.isEmpty() || exec != null) {
                throw new ConfigException("auto_auth.method wrap_ttl hands the sinks a response-wrapped token and leaves "
                        + "the agent none to render templates with: remove wrap_ttl (or wrap at the sink instead)");
            }
        }
        return new AgentConfig(vault, autoAuth, templates, settings, bool(doc.get("exit_after_auth"), false),
                str(doc.get("pid_file"), null), listeners, envTemplates, exec, bool(doc.get("revoke_on_shutdown"), false),
                str(doc.get("state_file"), null));
    }

    // ---- shapes

    /** A block: its label (HCL {@code method "approle"} or JSON {@code "type": "approle"}) and body. */
    record Block(String label, Map<String, Object> body) {
    }

    /**
     * Every block of a key, whatever shape it was written in: {@code {label: body}} (HCL labels),
     * {@code {type: label, ...}}, a list of either, or a plain body.
     */
    @SuppressWarnings("unchecked")
    static List<Block> blocks(Object raw, String labelKey) {
        List<Block> out = new ArrayList<>();
        for (Object item : asList(raw)) {
            if (!(item instanceof Map<?, ?> m)) {
                throw new ConfigException("expected a block, found " + item);
            }
            Map<String, Object> body = (Map<String, Object>) m;
            if (labelKey != null && body.get(labelKey) instanceof String label) {
                Map<String, Object> rest = new LinkedHashMap<>(body);
                rest.remove(labelKey);
                out.add(new Block(label, rest));
            } else if (labelKey != null && body.size() == 1 && body.values().iterator().next() instanceof Map
                    && !isSetting(body.keySet().iterator().next())) {
                String label = body.keySet().iterator().next();
                for (Object inner : asList(body.get(label))) {
                    out.add(new Block(label, (Map<String, Object>) inner));
                }
            } else {
                out.add(new Block(null, body));
            }
        }
        return out;
    }

    /** Keys that are settings, never labels (so {@code {"config": {...}}} is not mistaken for a label). */
    private static boolean isSetting(String key) {
        return key.equals("config") || key.equals("exec") || key.equals("wait");
    }

    static List<Object> asList(Object raw) {
        if (raw == null) {
            return List.of();
        }
        if (raw instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(out::add);
            return out;
        }
        return List.of(raw);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object raw, String what) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof List<?> l && l.size() == 1) {
            raw = l.get(0);
        }
        if (!(raw instanceof Map)) {
            throw new ConfigException(what + " must be a block");
        }
        return (Map<String, Object>) raw;
    }

    private static String firstEnv(Map<String, String> env, String custos, String vault, String fallback) {
        String v = env.get(custos);
        if (v == null || v.isEmpty()) {
            v = env.get(vault);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static String str(Object o, String fallback) {
        return o == null ? fallback : String.valueOf(o);
    }

    private static String stripSlash(String s) {
        String t = s.startsWith("/") ? s.substring(1) : s;
        return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    }

    private static boolean bool(Object o, boolean fallback) {
        if (o == null) {
            return fallback;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(o).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "1", "t", "yes" -> true;
            case "false", "0", "f", "no", "" -> false;
            default -> throw new ConfigException("\"" + o + "\" is not a boolean");
        };
    }

    private static Object numeric(Object o, String what) {
        if (o instanceof Number n) {
            return n;
        }
        try {
            return Double.parseDouble(String.valueOf(o).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(what + ": \"" + o + "\" is not a number");
        }
    }

    private static long num(Object o, long fallback) {
        return o == null ? fallback : ((Number) numeric(o, "value")).longValue();
    }

    /** File modes as Vault writes them: "0600", 0600 (an HCL number whose digits are octal), 384. */
    static int perms(Object o, int fallback) {
        if (o == null) {
            return fallback;
        }
        String s = o instanceof Number n ? Long.toString(n.longValue()) : String.valueOf(o).trim();
        if (o instanceof Number n && !s.matches("[0-7]+")) {
            return n.intValue(); // digits beyond 7: a decimal mode such as 384
        }
        try {
            int v = Integer.parseInt(s, 8);
            if (v < 0 || v > 07777) {
                throw new ConfigException("file mode " + s + " is out of range");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException("\"" + s + "\" is not a file mode");
        }
    }

    private static List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        asList(o).forEach(x -> out.add(String.valueOf(x)));
        return out;
    }

    /** Go durations ("1h30m", "500ms") or seconds (a number). */
    /** Go's time.ParseDuration ("90s", "1h30m"), as the agent reads durations; a ConfigException otherwise. */
    public static Duration parseDuration(String text) {
        return duration(text, Duration.ZERO);
    }

    static Duration duration(Object o, Duration fallback) {
        if (o == null) {
            return fallback;
        }
        if (o instanceof Number n) {
            return Duration.ofMillis((long) (n.doubleValue() * 1000));
        }
        return GoDurations.parse(String.valueOf(o).trim(), s -> new ConfigException("\"" + s + "\" is not a duration"));
    }

    /** Go's time.ParseDuration, for the agent (which does not link the engines' SDK). */
    static final class GoDurations {
        private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

        static Duration parse(String s, Function<String, ConfigException> error) {
            if (s.matches("\\d+")) {
                return Duration.ofSeconds(Long.parseLong(s));
            }
            String t = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
            if (t.equals("0")) {
                return Duration.ZERO;
            }
            Matcher m = PART.matcher(t);
            int at = 0;
            double nanos = 0;
            while (m.find()) {
                if (m.start() != at) {
                    throw error.apply(s);
                }
                double v = Double.parseDouble(m.group(1));
                nanos += v * switch (m.group(2)) {
                    case "ns" -> 1;
                    case "us", "µs" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    default -> 3600e9;
                };
                at = m.end();
            }
            if (at != t.length() || t.isEmpty()) {
                throw error.apply(s);
            }
            Duration d = Duration.ofNanos((long) nanos);
            return s.startsWith("-") ? d.negated() : d;
        }
    }
}
