package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Vault Agent configurations as Vault's documentation and vault-k8s write them. */
class ConfigLoaderTest {
    /** The AppRole example of Vault Agent's documentation, with a template and template_config. */
    static final String HCL = """
            pid_file = "./pidfile"

            vault {
              address = "https://127.0.0.1:8200"
              ca_cert = "/etc/ssl/ca.pem"
              retry {
                num_retries = 5
              }
            }

            auto_auth {
              method "approle" {
                mount_path = "auth/approle"
                config = {
                  role_id_file_path = "/etc/vault/role-id"
                  secret_id_file_path = "/etc/vault/secret-id"
                  remove_secret_id_file_after_reading = false
                }
              }

              sink "file" {
                config = {
                  path = "/tmp/file-foo"
                  mode = 0640
                }
              }
            }

            template_config {
              static_secret_render_interval = "10m"
              exit_on_retry_failure = true
              lease_renewal_threshold = 0.8
            }

            template {
              source      = "/etc/vault/server.key.ctmpl"
              destination = "/etc/vault/server.key"
              perms       = "0600"
              command     = "systemctl reload app"
            }

            template {
              contents    = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.password }}{{ end }}"
              destination = "/etc/app/password"
              error_on_missing_key = true
              wait {
                min = "2s"
                max = "10s"
              }
            }

            listener "tcp" {
              address = "127.0.0.1:8100"
              tls_disable = true
            }
            """;

    /** What vault-k8s's injector generates (JSON). */
    static final String JSON = """
            {"auto_auth":{"method":{"type":"kubernetes","mount_path":"auth/kubernetes","config":{"role":"app",
            "token_path":"/var/run/secrets/kubernetes.io/serviceaccount/token"}},"sink":[{"type":"file","config":
            {"path":"/home/vault/.vault-token"}}]},"exit_after_auth":true,"pid_file":"/home/vault/.pid","vault":
            {"address":"https://vault.vault.svc:8200"},"template":[{"destination":"/vault/secrets/db-creds",
            "contents":"{{ with secret \\"database/creds/db-app\\" }}{{ .Data.username }}{{ end }}",
            "left_delimiter":"{{","right_delimiter":"}}"}],"template_config":{"exit_on_retry_failure":true}}
            """;

    @Test
    void readsVaultAgentsHcl() {
        AgentConfig c = ConfigLoader.parseText("agent.hcl", HCL, Map.of());
        assertEquals("https://127.0.0.1:8200", c.vault().address());
        assertEquals("/etc/ssl/ca.pem", c.vault().caCert());
        assertEquals(5, c.vault().numRetries());
        assertEquals("approle", c.autoAuth().method().type());
        assertEquals("auth/approle", c.autoAuth().method().mountPath());
        assertEquals("/etc/vault/role-id", c.autoAuth().method().config().get("role_id_file_path"));
        assertEquals(1, c.autoAuth().sinks().size());
        assertEquals(0640, c.autoAuth().sinks().get(0).mode());
        assertEquals(2, c.templates().size());
        assertEquals(0600, c.templates().get(0).perms());
        assertEquals("systemctl reload app", c.templates().get(0).command());
        assertTrue(c.templates().get(1).errorOnMissingKey());
        assertEquals(Duration.ofSeconds(2), c.templates().get(1).waitMin());
        assertEquals(Duration.ofMinutes(10), c.templateConfig().staticSecretRenderInterval());
        assertEquals(0.8, c.templateConfig().leaseRenewalThreshold());
        assertEquals("127.0.0.1:8100", c.listeners().get(0).address());
        assertEquals("./pidfile", c.pidFile());
    }

    @Test
    void readsTheInjectorsJson() {
        AgentConfig c = ConfigLoader.parseText("config.json", JSON, Map.of());
        assertEquals("kubernetes", c.autoAuth().method().type());
        assertEquals("app", c.autoAuth().method().config().get("role"));
        assertEquals("/home/vault/.vault-token", c.autoAuth().sinks().get(0).path());
        assertTrue(c.exitAfterAuth());
        assertEquals("/vault/secrets/db-creds", c.templates().get(0).destination());
        assertTrue(c.templateConfig().exitOnRetryFailure());
    }

    @Test
    void unknownKeysAreErrorsNamingTheKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseText("agent.hcl",
                "vault {\n  address = \"x\"\n}\ntemplate {\n  destination = \"/tmp/x\"\n  contents = \"x\"\n"
                        + "  destnation = \"/tmp/y\"\n}\n", Map.of()));
        assertEquals("unknown key \"destnation\" in template (agent.hcl, line 7)", e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl", "vaultt { }", Map.of()));
        assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl", "template {\n destination = \"x\"\n}",
                Map.of()), "a template needs source or contents");
        assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl", "auto_auth {\n method \"ldap\" {\n}\n}",
                Map.of()));
    }

    /** Vault Agent's HCL 1 keeps ${...} in strings literal; hcl4j (HCL 2) would evaluate or crash on it. */
    @Test
    void dollarBracesInQuotedStringsStayLiteralAsInVaultAgent() {
        String hcl = """
                # a comment with "${quotes}" and an unmatched "
                template {
                  destination = "/tmp/a"
                  contents = "export PATH=${PATH}:/opt/bin HOME=${HOME:-/root} ${a}${b} \\"${c}\\" $${d} %{ e }"
                }
                /* "${block}" */
                template {
                  destination = "/tmp/b"
                  contents = <<EOT
                line "${x}" and ${y}
                EOT
                }
                """;
        AgentConfig c = ConfigLoader.parseText("agent.hcl", hcl, Map.of());
        assertEquals("export PATH=${PATH}:/opt/bin HOME=${HOME:-/root} ${a}${b} \"${c}\" $${d} %{ e }",
                c.templates().get(0).contents());
        assertEquals("line \"${x}\" and ${y}\n", c.templates().get(1).contents());
        assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl", "pid_file = \"\uE000\"", Map.of()));
    }

    /** Options that would change what lands in a sink are done or refused, never ignored. */
    @Test
    void wrappingIsHonouredAndSinkEncryptionRefused() {
        String sink = "auto_auth {\n method \"approle\" {\n %s\n config = { role_id_file_path = \"/r\" }\n }\n"
                + " sink \"file\" {\n %s\n config = { path = \"/s\" }\n }\n}\n";
        AgentConfig c = ConfigLoader.parseText("a.hcl", sink.formatted("", "wrap_ttl = \"5m\""), Map.of());
        assertEquals(Duration.ofMinutes(5), c.autoAuth().sinks().get(0).wrapTtl());
        ConfigException dh = assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl",
                sink.formatted("", "dh_type = \"curve25519\"\n dh_path = \"/k\""), Map.of()));
        assertTrue(dh.getMessage().contains("dh_type is not supported"), dh.getMessage());
        // a wrapped login leaves the agent no token: templates are refused with it
        assertEquals(Duration.ofSeconds(60), ConfigLoader.parseText("a.hcl", sink.formatted("wrap_ttl = \"60s\"", ""),
                Map.of()).autoAuth().method().wrapTtl());
        ConfigException t = assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl",
                sink.formatted("wrap_ttl = \"60s\"", "") + "template {\n contents = \"x\"\n destination = \"/d\"\n}\n",
                Map.of()));
        assertTrue(t.getMessage().contains("wrap_ttl"), t.getMessage());
    }

    /** hcl4j's jsonencode and its "http" data lookup are not shipped: a config cannot make the agent fetch URLs. */
    @Test
    void hcl2FunctionsAreNotEvaluated() {
        assertThrows(ConfigException.class, () -> ConfigLoader.parseText("a.hcl",
                "pid_file = jsonencode({a = 1})\n", Map.of()));
    }

    @Test
    void addressComesFromTheEnvironmentWhenTheConfigHasNone() {
        AgentConfig c = ConfigLoader.parseText("a.hcl", "exit_after_auth = true", Map.of("VAULT_ADDR", "http://v:8200"));
        assertEquals("http://v:8200", c.vault().address());
        AgentConfig custos = ConfigLoader.parseText("a.hcl", "exit_after_auth = true", Map.of("VAULT_ADDR",
                "http://v:8200", "CUSTOS_ADDR", "http://c:8200"));
        assertEquals("http://c:8200", custos.vault().address());
        assertFalse(custos.revokeOnShutdown());
    }
}
