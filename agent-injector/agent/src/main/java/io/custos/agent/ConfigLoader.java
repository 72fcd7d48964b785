package io.custos.agent;

import static io.custos.agent.ConfigValues.asList;
import static io.custos.agent.ConfigValues.blocks;
import static io.custos.agent.ConfigValues.bool;
import static io.custos.agent.ConfigValues.duration;
import static io.custos.agent.ConfigValues.firstEnv;
import static io.custos.agent.ConfigValues.map;
import static io.custos.agent.ConfigValues.num;
import static io.custos.agent.ConfigValues.numeric;
import static io.custos.agent.ConfigValues.perms;
import static io.custos.agent.ConfigValues.str;
import static io.custos.agent.ConfigValues.strings;
import static io.custos.agent.ConfigValues.stripSlash;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            for (ConfigValues.Block b : blocks(vault.get("retry"), null)) {
                check.keys(b.body(), RETRY, "vault.retry");
            }
        }
        Map<String, Object> autoAuth = map(doc.get("auto_auth"), "auto_auth");
        check.keys(autoAuth, AUTO_AUTH, "auto_auth");
        if (autoAuth != null) {
            for (ConfigValues.Block b : blocks(autoAuth.get("method"), "type")) {
                check.keys(b.body(), METHOD, "auto_auth.method");
            }
            for (ConfigValues.Block b : blocks(autoAuth.get("sink"), "type")) {
                check.keys(b.body(), SINK, "auto_auth.sink");
                check.keys(map(b.body().get("config"), "sink.config"), SINK_CONFIG, "auto_auth.sink.config");
            }
        }
        for (Object t : asList(doc.get("template"))) {
            Map<String, Object> tm = map(t, "template");
            check.keys(tm, TEMPLATE, "template");
            for (ConfigValues.Block b : blocks(tm.get("exec"), null)) {
                check.keys(b.body(), TEMPLATE_EXEC, "template.exec");
            }
            for (ConfigValues.Block b : blocks(tm.get("wait"), null)) {
                check.keys(b.body(), WAIT, "template.wait");
            }
        }
        for (ConfigValues.Block b : blocks(doc.get("template_config"), null)) {
            check.keys(b.body(), TEMPLATE_CONFIG, "template_config");
        }
        for (ConfigValues.Block b : blocks(doc.get("listener"), "type")) {
            check.keys(b.body(), LISTENER, "listener");
            for (ConfigValues.Block api : blocks(b.body().get("agent_api"), null)) {
                check.keys(api.body(), AGENT_API, "listener.agent_api");
            }
        }
        for (ConfigValues.Block b : blocks(doc.get("env_template"), "name")) {
            Map<String, Object> body = new LinkedHashMap<>(b.body());
            body.remove("name");
            check.keys(body, ENV_TEMPLATE, "env_template");
        }
        for (ConfigValues.Block b : blocks(doc.get("exec"), null)) {
            check.keys(b.body(), EXEC, "exec");
        }
    }

    // ---- building the record

    private static AgentConfig build(Map<String, Object> doc, Map<String, String> env) {
        AgentConfig.Vault vault = vault(doc, env);
        AgentConfig.AutoAuth autoAuth = autoAuth(doc);
        List<AgentConfig.TemplateSpec> templates = templates(doc);
        AgentConfig.TemplateSettings settings = templateSettings(doc);
        List<AgentConfig.Listener> listeners = listeners(doc);
        List<AgentConfig.EnvTemplate> envTemplates = envTemplates(doc);
        AgentConfig.Exec exec = exec(doc);
        checkWrapTtl(autoAuth, !templates.isEmpty() || !envTemplates.isEmpty() || exec != null);
        return new AgentConfig(vault, autoAuth, templates, settings, bool(doc.get("exit_after_auth"), false),
                str(doc.get("pid_file"), null), listeners, envTemplates, exec, bool(doc.get("revoke_on_shutdown"), false),
                str(doc.get("state_file"), null));
    }

    /** {@code vault { ... }}: the broker's address and TLS settings, with Vault's environment variables as defaults. */
    private static AgentConfig.Vault vault(Map<String, Object> doc, Map<String, String> env) {
        Map<String, Object> v = map(doc.get("vault"), "vault");
        v = v == null ? Map.of() : v;
        String address = str(v.get("address"), firstEnv(env, "CUSTOS_ADDR", "VAULT_ADDR", "https://127.0.0.1:8200"));
        int retries = 12;
        for (ConfigValues.Block b : blocks(v.get("retry"), null)) {
            retries = (int) num(b.body().get("num_retries"), retries);
        }
        return new AgentConfig.Vault(address,
                str(v.get("ca_cert"), firstEnv(env, "CUSTOS_CACERT", "VAULT_CACERT", null)),
                str(v.get("ca_path"), firstEnv(env, "CUSTOS_CAPATH", "VAULT_CAPATH", null)),
                str(v.get("client_cert"), firstEnv(env, "CUSTOS_CLIENT_CERT", "VAULT_CLIENT_CERT", null)),
                str(v.get("client_key"), firstEnv(env, "CUSTOS_CLIENT_KEY", "VAULT_CLIENT_KEY", null)),
                str(v.get("tls_server_name"), firstEnv(env, "CUSTOS_TLS_SERVER_NAME", "VAULT_TLS_SERVER_NAME", null)),
                // Go's strconv.ParseBool, as Vault reads VAULT_SKIP_VERIFY
                bool(v.get("tls_skip_verify"), Set.of("1", "t", "T", "true", "TRUE", "True").contains(firstEnv(env,
                        "CUSTOS_SKIP_VERIFY", "VAULT_SKIP_VERIFY", "false"))), retries);
    }

    /** {@code auto_auth}: one method and its sinks; null without the block. */
    private static AgentConfig.AutoAuth autoAuth(Map<String, Object> doc) {
        Map<String, Object> aa = map(doc.get("auto_auth"), "auto_auth");
        if (aa == null) {
            return null;
        }
        List<ConfigValues.Block> methods = blocks(aa.get("method"), "type");
        if (methods.size() != 1) {
            throw new ConfigException("auto_auth needs exactly one method block, found " + methods.size());
        }
        ConfigValues.Block m = methods.get(0);
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
        List<AgentConfig.Sink> sinks = sinks(aa);
        return new AgentConfig.AutoAuth(new AgentConfig.Method(type, stripSlash(mount),
                str(m.body().get("namespace"), ""), config == null ? Map.of() : config,
                duration(m.body().get("min_backoff"), Duration.ofSeconds(1)),
                duration(m.body().get("max_backoff"), Duration.ofMinutes(5)),
                bool(m.body().get("exit_on_err"), false), duration(m.body().get("wrap_ttl"), Duration.ZERO)), sinks);
    }

    private static List<AgentConfig.Sink> sinks(Map<String, Object> aa) {
        List<AgentConfig.Sink> sinks = new ArrayList<>();
        for (ConfigValues.Block s : blocks(aa.get("sink"), "type")) {
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
        return sinks;
    }

    private static List<AgentConfig.TemplateSpec> templates(Map<String, Object> doc) {
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
            for (ConfigValues.Block e : blocks(t.get("exec"), null)) {
                execCommand = strings(e.body().get("command"));
                execTimeout = duration(e.body().get("timeout"), execTimeout);
            }
            Duration waitMin = Duration.ZERO;
            Duration waitMax = Duration.ZERO;
            for (ConfigValues.Block w : blocks(t.get("wait"), null)) {
                waitMin = duration(w.body().get("min"), waitMin);
                waitMax = duration(w.body().get("max"), waitMax);
            }
            templates.add(new AgentConfig.TemplateSpec(source, contents, destination, perms(t.get("perms"), 0644),
                    bool(t.get("create_dest_dirs"), true), bool(t.get("error_on_missing_key"), false),
                    str(t.get("left_delimiter"), "{{"), str(t.get("right_delimiter"), "}}"),
                    str(t.get("command"), null), duration(t.get("command_timeout"), Duration.ofSeconds(30)),
                    execCommand, execTimeout, waitMin, waitMax, bool(t.get("backup"), false)));
        }
        return templates;
    }

    private static AgentConfig.TemplateSettings templateSettings(Map<String, Object> doc) {
        AgentConfig.TemplateSettings settings = AgentConfig.TemplateSettings.DEFAULTS;
        for (ConfigValues.Block b : blocks(doc.get("template_config"), null)) {
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
        return settings;
    }

    private static List<AgentConfig.Listener> listeners(Map<String, Object> doc) {
        List<AgentConfig.Listener> listeners = new ArrayList<>();
        for (ConfigValues.Block b : blocks(doc.get("listener"), "type")) {
            if (!"tcp".equals(b.label())) {
                throw new ConfigException("listener type \"" + b.label() + "\" is not supported (tcp)");
            }
            boolean quit = false;
            for (ConfigValues.Block api : blocks(b.body().get("agent_api"), null)) {
                quit = bool(api.body().get("enable_quit"), false);
            }
            boolean tlsDisable = bool(b.body().get("tls_disable"), false);
            if (!tlsDisable && (b.body().get("tls_cert_file") == null || b.body().get("tls_key_file") == null)) {
                throw new ConfigException("listener needs tls_cert_file and tls_key_file, or tls_disable = true");
            }
            listeners.add(new AgentConfig.Listener("tcp", str(b.body().get("address"), "127.0.0.1:8200"), tlsDisable,
                    str(b.body().get("tls_cert_file"), null), str(b.body().get("tls_key_file"), null), quit));
        }
        return listeners;
    }

    private static List<AgentConfig.EnvTemplate> envTemplates(Map<String, Object> doc) {
        List<AgentConfig.EnvTemplate> envTemplates = new ArrayList<>();
        for (ConfigValues.Block b : blocks(doc.get("env_template"), "name")) {
            envTemplates.add(new AgentConfig.EnvTemplate(b.label(), str(b.body().get("contents"), ""),
                    bool(b.body().get("error_on_missing_key"), false)));
        }
        return envTemplates;
    }

    private static AgentConfig.Exec exec(Map<String, Object> doc) {
        AgentConfig.Exec exec = null;
        for (ConfigValues.Block b : blocks(doc.get("exec"), null)) {
            exec = new AgentConfig.Exec(strings(b.body().get("command")),
                    str(b.body().get("restart_on_secret_changes"), "always"),
                    str(b.body().get("restart_stop_signal"), "SIGTERM"));
        }
        return exec;
    }

    /** A wrapped login leaves the agent no token of its own: nothing may need one. */
    private static void checkWrapTtl(AgentConfig.AutoAuth autoAuth, boolean rendersAnything) {
        if (autoAuth != null && autoAuth.method().wrapTtl().compareTo(Duration.ZERO) > 0) {
            if (autoAuth.method().type().equals("token_file")) {
                throw new ConfigException("auto_auth.method wrap_ttl cannot be used with token_file");
            }
            if (rendersAnything) {
                throw new ConfigException("auto_auth.method wrap_ttl hands the sinks a response-wrapped token and leaves "
                        + "the agent none to render templates with: remove wrap_ttl (or wrap at the sink instead)");
            }
        }
    }

    /** Go durations ("1h30m", "500ms") or seconds (a number). */
    /** Go's time.ParseDuration ("90s", "1h30m"), as the agent reads durations; a ConfigException otherwise. */
    public static Duration parseDuration(String text) {
        return duration(text, Duration.ZERO);
    }

}
