package io.custos.injector;

import io.custos.agent.ConfigException;
import io.custos.agent.ConfigLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent configuration generated from the annotations: Vault Agent's JSON, as vault-k8s
 * generates it, read back through the agent's own loader before a pod is admitted with it.
 */
final class AgentConfigs {
    /** The agent's home: its token sink, pid file and hand-off state (an in-memory volume the app never sees). */
    static final String HOME = "/home/custos";
    /** Where the projected service-account token (with the broker's audience) is mounted. */
    static final String TOKEN_DIR = "/var/run/secrets/custos.io/serviceaccount";
    static final String QUIT_ADDRESS = "127.0.0.1:8200";

    /** vault-k8s's default templates: every key of the secret as "key: value" lines, or its data as JSON. */
    static final String MAP_TEMPLATE = "{{ with secret %s }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}";
    static final String JSON_TEMPLATE = "{{ with secret %s }}{{ .Data | toJSON }}\n{{ end }}";

    private AgentConfigs() {
    }

    /**
     * The configuration of one injected agent.
     *
     * @param init renders once and exits (an init container; it leaves the hand-off state)
     */
    static Map<String, Object> config(Annotations.Injection in, boolean init) {
        Map<String, Object> templateConfig = new LinkedHashMap<>();
        templateConfig.put("exit_on_retry_failure", true);
        if (in.staticSecretRenderInterval() != null) {
            templateConfig.put("static_secret_render_interval", in.staticSecretRenderInterval().toSeconds() + "s");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("vault", vault(in));
        config.put("auto_auth", autoAuth(in));
        config.put("exit_after_auth", init);
        config.put("pid_file", HOME + "/.pid");
        config.put("template", templates(in, init));
        config.put("template_config", templateConfig);
        if (!init && in.revokeOnShutdown()) {
            config.put("revoke_on_shutdown", true);
        }
        if (!init && in.enableQuit()) {
            Map<String, Object> listener = new LinkedHashMap<>();
            listener.put("type", "tcp");
            listener.put("address", QUIT_ADDRESS);
            listener.put("tls_disable", true);
            listener.put("agent_api", Map.of("enable_quit", true));
            config.put("listener", List.of(listener));
        }
        return config;
    }

    private static Map<String, Object> vault(Annotations.Injection in) {
        Map<String, Object> vault = new LinkedHashMap<>();
        vault.put("address", in.service());
        if (in.caCert() != null) {
            vault.put("ca_cert", in.caCert());
        }
        if (in.tlsServerName() != null) {
            vault.put("tls_server_name", in.tlsServerName());
        }
        if (in.tlsSkipVerify()) {
            vault.put("tls_skip_verify", true);
        }
        return vault;
    }

    /** The pod's service-account token through the kubernetes (or jwt) method, the token to a file sink. */
    private static Map<String, Object> autoAuth(Annotations.Injection in) {
        Map<String, Object> methodConfig = new LinkedHashMap<>();
        methodConfig.put("role", in.role());
        methodConfig.put(in.authType().equals("jwt") ? "path" : "token_path", TOKEN_DIR + "/token");
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("type", in.authType());
        method.put("mount_path", in.authPath());
        method.put("config", methodConfig);
        Map<String, Object> sink = new LinkedHashMap<>();
        sink.put("type", "file");
        sink.put("config", Map.of("path", HOME + "/.custos-token", "mode", "0600"));
        Map<String, Object> autoAuth = new LinkedHashMap<>();
        autoAuth.put("method", method);
        autoAuth.put("sink", List.of(sink));
        return autoAuth;
    }

    /** One template per secret: the annotation's, else vault-k8s's default (map or json) for its path. */
    private static List<Map<String, Object>> templates(Annotations.Injection in, boolean init) {
        List<Map<String, Object>> templates = new ArrayList<>();
        for (Annotations.SecretFile s : in.secrets()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("destination", s.destination());
            t.put("contents", s.template() != null ? s.template()
                    : String.format(in.defaultTemplate().equals("json") ? JSON_TEMPLATE : MAP_TEMPLATE, goQuote(s.path())));
            t.put("left_delimiter", "{{");
            t.put("right_delimiter", "}}");
            t.put("create_dest_dirs", true);
            if (s.perms() != null) {
                t.put("perms", String.format("%04o", s.perms()));
            }
            if (s.command() != null && !init) {
                t.put("command", s.command());
            }
            templates.add(t);
        }
        return templates;
    }

    /** Checks a generated configuration with the agent's loader; the message of what it refuses. */
    static String problem(String json) {
        try {
            ConfigLoader.parseText("the generated agent configuration", json, Map.of());
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /** A Go string literal (for a secret path inside a default template). */
    static String goQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.append('"').toString();
    }
}
