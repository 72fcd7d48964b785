package io.custos.agent;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's configuration: Vault Agent's blocks, unchanged ({@code vault}, {@code auto_auth},
 * {@code template}, {@code template_config}, {@code listener}, {@code exit_after_auth},
 * {@code pid_file}, {@code env_template} + {@code exec}), plus Custos's {@code revoke_on_shutdown}
 * and {@code state_file}.
 */
public record AgentConfig(Vault vault, AutoAuth autoAuth, List<TemplateSpec> templates, TemplateSettings templateConfig,
        boolean exitAfterAuth, String pidFile, List<Listener> listeners, List<EnvTemplate> envTemplates, Exec exec,
        boolean revokeOnShutdown, String stateFile) {

    /** {@code vault { ... }}: where the broker is and how to trust it. */
    public record Vault(String address, String caCert, String caPath, String clientCert, String clientKey,
            String tlsServerName, boolean tlsSkipVerify, int numRetries) {
        /**
         * The TLS settings the agent connects with: a {@code cert} method's own {@code client_cert},
         * {@code client_key} and {@code ca_cert}, when given, take the place of these (Vault Agent's).
         */
        public Vault forLogin(AutoAuth autoAuth) {
            if (autoAuth == null || !autoAuth.method().type().equals("cert")) {
                return this;
            }
            Map<String, Object> c = autoAuth.method().config();
            return new Vault(address, text(c.get("ca_cert"), caCert), c.get("ca_cert") != null ? null : caPath,
                    text(c.get("client_cert"), clientCert), text(c.get("client_key"), clientKey), tlsServerName,
                    tlsSkipVerify, numRetries);
        }

        private static String text(Object o, String otherwise) {
            return o == null || o.toString().isEmpty() ? otherwise : o.toString();
        }
    }

    /** {@code auto_auth { method "type" { ... } sink "file" { ... } }}. */
    public record AutoAuth(Method method, List<Sink> sinks) {
    }

    public record Method(String type, String mountPath, String namespace, Map<String, Object> config,
            Duration minBackoff, Duration maxBackoff, boolean exitOnErr, Duration wrapTtl) {
    }

    /** {@code sink "file" { wrap_ttl, config { path, mode } }}: with a wrap TTL the file holds a response-wrapped token. */
    public record Sink(String type, String path, int mode, Duration wrapTtl) {
    }

    /** One {@code template { ... }} block. */
    public record TemplateSpec(String source, String contents, String destination, int perms, boolean createDestDirs,
            boolean errorOnMissingKey, String leftDelimiter, String rightDelimiter, String command,
            Duration commandTimeout, List<String> execCommand, Duration execTimeout, Duration waitMin,
            Duration waitMax, boolean backup) {
        /** What the status and logs call this template: its destination. */
        public String label() {
            return destination;
        }
    }

    /** {@code template_config { ... }}. */
    public record TemplateSettings(boolean exitOnRetryFailure, Duration staticSecretRenderInterval,
            double leaseRenewalThreshold, int maxConnectionsPerHost) {
        public static final TemplateSettings DEFAULTS = new TemplateSettings(false, Duration.ofMinutes(5), 0.9, 10);
    }

    /** {@code listener "tcp" { ... }}. */
    public record Listener(String type, String address, boolean tlsDisable, String tlsCertFile, String tlsKeyFile,
            boolean enableQuit) {
    }

    /** Process-supervisor mode: {@code env_template "NAME" { contents }}. */
    public record EnvTemplate(String name, String contents, boolean errorOnMissingKey) {
    }

    /** {@code exec { command, restart_on_secret_changes, restart_stop_signal }}. */
    public record Exec(List<String> command, String restartOnSecretChanges, String restartStopSignal) {
    }
}
