package io.custos.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.engine.sdk.Json;
import io.custos.testing.TestPostgres;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CLI's verbs against a running broker, as an operator's runbook would use them: init,
 * unseal, login, engines, KV, policies, tokens, AppRole, leases, audit, keys — with Vault's
 * output, {@code -format}, {@code -field} and exit codes.
 */
@MicronautTest(transactional = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest extends BrokerHttpTest {
    private CliTestSupport cli;
    private Path home;
    private final List<String> unsealKeys = new ArrayList<>();
    private String root;

    @BeforeAll
    void setUp() throws Exception {
        home = Files.createTempDirectory("custos-cli-home");
        cli = new CliTestSupport("http://127.0.0.1:" + server.getPort(), home);
    }

    private CliTestSupport.Result ok(String... args) {
        CliTestSupport.Result r = cli.run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + " → " + r);
        return r;
    }

    /** What bash prints running {@code script}. */
    private static String shell(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private static JsonNode json(CliTestSupport.Result r) throws Exception {
        return Json.MAPPER.readTree(r.out());
    }

    @Test
    @Order(1)
    void initUnsealAndLoginAsAnOperatorWould() throws Exception {
        assertEquals(2, cli.run("operator", "init", "-status").code(), "not initialised yet");
        CliTestSupport.Result init = ok("operator", "init", "-key-shares=3", "-key-threshold=2");
        for (String line : init.out().split("\n")) {
            if (line.startsWith("Unseal Key ")) {
                unsealKeys.add(line.substring(line.indexOf(": ") + 2));
            } else if (line.startsWith("Initial Root Token: ")) {
                root = line.substring("Initial Root Token: ".length());
            }
        }
        assertEquals(3, unsealKeys.size(), init.out());
        CliTestSupport.Result sealed = cli.run("status");
        assertEquals(2, sealed.code(), "sealed: exit 2");
        assertTrue(sealed.out().contains("Sealed") && sealed.out().contains("true"), sealed.out());
        CliTestSupport.Result first = ok("operator", "unseal", unsealKeys.get(0));
        assertTrue(first.out().matches("(?s).*Unseal Progress\\s+1/2.*"), first.out());
        CliTestSupport.Result unsealed = cli.runWithInput(unsealKeys.get(1) + "\n", "operator", "unseal");
        assertEquals(0, unsealed.code(), unsealed.toString());
        assertEquals(0, ok("status").code());

        CliTestSupport.Result login = ok("login", root);
        assertTrue(login.out().startsWith("Success! You are now authenticated."), login.out());
        Path stored = home.resolve(".custos-token");
        assertEquals(root, Files.readString(stored));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)));
        assertEquals("[\"root\"]", json(ok("token", "lookup", "-format=json")).get("data").get("policies").toString());
    }

    @Test
    @Order(2)
    void secretsEnginesAndKvVersionTwo() throws Exception {
        assertEquals("Success! Enabled the kv secrets engine at: secret/\n",
                ok("secrets", "enable", "-path=secret", "-version=2", "kv").out());
        assertTrue(ok("secrets", "list").out().contains("secret/"));
        assertEquals("2", json(ok("secrets", "list", "-format=json")).get("secret/").get("options").get("version")
                .asText());
        Path pass = home.resolve("pass.txt");
        Files.writeString(pass, "s3cret");
        CliTestSupport.Result put = ok("kv", "put", "secret/app", "user=alice", "pass=@" + pass);
        assertTrue(put.out().startsWith("== Secret Path ==\nsecret/data/app"), put.out());
        assertEquals("alice", ok("kv", "get", "-field=user", "secret/app").out());
        assertEquals("s3cret", ok("kv", "get", "-mount=secret", "-field=pass", "app").out());
        CliTestSupport.Result table = ok("kv", "get", "secret/app");
        assertTrue(table.out().contains("====== Data ======") && table.out().contains("user    alice"), table.out());
        ok("kv", "patch", "secret/app", "user=bob");
        assertEquals("bob", ok("kv", "get", "-field=user", "secret/app").out());
        // -wrap-ttl and -output-curl-string apply to the read, not to the mount preflight (as Vault's)
        String kvWrapping = ok("kv", "get", "-wrap-ttl=1m", "-field=wrapping_token", "secret/app").out();
        assertEquals("bob", json(ok("unwrap", "-format=json", kvWrapping)).get("data").get("data").get("user").asText());
        assertTrue(ok("kv", "list", "-wrap-ttl=1m", "secret/").out().contains("wrapping_token:"));
        assertEquals("curl -H \"X-Vault-Token: $(custos print token)\" -H 'X-Vault-Request: true' 'http://127.0.0.1:"
                + server.getPort() + "/v1/secret/data/app'\n", ok("kv", "get", "-output-curl-string", "secret/app").out());
        assertEquals("alice", ok("kv", "get", "-version=1", "-field=user", "secret/app").out());
        assertEquals(2, json(ok("kv", "get", "-format=json", "secret/app")).get("data").get("metadata").get("version")
                .asInt());
        ok("kv", "delete", "secret/app");
        assertEquals(2, cli.run("kv", "get", "secret/app").code(), "deleted");
        ok("kv", "undelete", "-versions=2", "secret/app");
        assertEquals("bob", ok("kv", "get", "-field=user", "secret/app").out());
        ok("kv", "destroy", "-versions=1", "secret/app");
        assertTrue(json(ok("kv", "metadata", "get", "-format=json", "secret/app")).get("data").get("versions")
                .get("1").get("destroyed").asBoolean());
        ok("kv", "metadata", "put", "-max-versions=3", "-custom-metadata=owner=team-a", "secret/app");
        CliTestSupport.Result meta = ok("kv", "metadata", "get", "secret/app");
        assertTrue(meta.out().contains("max_versions") && meta.out().contains("owner:team-a"), meta.out());
        assertTrue(ok("kv", "list", "secret/").out().contains("app"));
        ok("kv", "metadata", "delete", "secret/app");
        assertEquals(2, cli.run("kv", "get", "secret/app").code());
        assertEquals(2, cli.run("kv", "get", "-field=nope", "secret/none").code(), "a missing secret is exit 2");
    }

    @Test
    @Order(3)
    void genericReadWriteListDeleteAndPatchOnKvVersionOne() throws Exception {
        ok("secrets", "enable", "-path=kv1", "kv");
        assertEquals("Success! Data written to: kv1/a\n", ok("write", "kv1/a", "x=1", "y=2").out());
        CliTestSupport.Result read = ok("read", "kv1/a");
        assertTrue(read.out().startsWith("Key"), read.out());
        assertTrue(read.out().contains("x                   1") || read.out().matches("(?s).*x\\s+1.*"), read.out());
        assertEquals("2", ok("read", "-field=y", "kv1/a").out());
        ok("kv", "put", "kv1/b", "z=3");
        assertEquals("3", ok("kv", "get", "-field=z", "kv1/b").out(), "kv get on a v1 mount");
        assertEquals("[\"a\",\"b\"]", json(ok("list", "-format=json", "kv1/")).toString());
        assertEquals("Success! Data deleted (if it existed) at: kv1/a\n", ok("delete", "kv1/a").out());
        CliTestSupport.Result missing = cli.run("read", "kv1/a");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("No value found at kv1/a"), missing.err());
        assertEquals(2, cli.run("write", "kv1/empty").code(), "no data without -force");
        assertTrue(ok("read", "-format=yaml", "kv1/b").out().contains("z: '3'"));
        assertEquals(0, cli.runWithInput("{\"data\":{\"x\":\"1\"}}", "write", "secret/data/p", "-").code());
        assertEquals(0, cli.runWithInput("{\"data\":{\"y\":\"2\"}}", "patch", "secret/data/p", "-").code());
        assertEquals("1", ok("kv", "get", "-field=x", "secret/p").out());
        assertEquals("2", ok("kv", "get", "-field=y", "secret/p").out());
        CliTestSupport.Result noField = cli.run("kv", "get", "-field=nope", "secret/p");
        assertEquals(1, noField.code(), "a field the secret lacks is a local error");
        assertTrue(noField.err().contains("Field \"nope\" not present in secret"), noField.err());
    }

    @Test
    @Order(4)
    void policiesIncludingFmt() throws Exception {
        Path file = home.resolve("reader.hcl");
        Files.writeString(file, "path \"secret/data/*\" {\ncapabilities=[\"read\"]\n   max_ttl = \"1h\"\n}\n");
        ok("policy", "fmt", file.toString());
        assertEquals("path \"secret/data/*\" {\n  capabilities = [\"read\"]\n  max_ttl      = \"1h\"\n}\n",
                Files.readString(file));
        assertEquals("Success! Uploaded policy: reader\n", ok("policy", "write", "reader", file.toString()).out());
        assertTrue(ok("policy", "read", "reader").out().contains("capabilities = [\"read\"]"));
        assertTrue(ok("policy", "list").out().contains("reader\n"));
        Path bad = home.resolve("bad.hcl");
        Files.writeString(bad, "path \"x\" { capabilities = [\"fly\"] }");
        CliTestSupport.Result refused = cli.run("policy", "fmt", bad.toString());
        assertEquals(2, refused.code(), refused.toString());
        assertEquals(1, cli.run("policy", "fmt", home.resolve("absent.hcl").toString()).code(), "a local error: 1");
        assertEquals(0, cli.runWithInput("path \"x\" { capabilities = [\"read\"] }", "policy", "write", "temp", "-")
                .code());
        assertEquals("Success! Deleted policy: temp\n", ok("policy", "delete", "temp").out());
    }

    @Test
    @Order(5)
    void tokensTheirCapabilitiesAndAPermissionDenied() throws Exception {
        JsonNode created = json(ok("token", "create", "-policy=reader", "-ttl=1h", "-format=json"));
        String token = created.get("auth").get("client_token").asText();
        String another = ok("token", "create", "-policy=reader", "-field=token").out();
        assertTrue(another.startsWith("cvs.") && another.length() == token.length(), another);
        assertEquals("read", ok("token", "capabilities", token, "secret/data/x").out().trim());
        assertEquals("root", ok("token", "capabilities", "secret/data/x").out().trim());
        assertTrue(Long.parseLong(ok("token", "lookup", "-field=ttl", token).out()) > 3500);
        JsonNode renewed = json(ok("token", "renew", "-increment=30m", "-format=json", token));
        assertTrue(renewed.get("auth").get("lease_duration").asInt() <= 1800);
        CliTestSupport.Result denied = cli.env("CUSTOS_TOKEN", token).run("read", "sys/mounts");
        cli.env("CUSTOS_TOKEN", null);
        assertEquals(2, denied.code());
        assertTrue(denied.err().contains("Code: 403. Errors:\n\n* permission denied"), denied.err());
        assertEquals("Success! Revoked token (if it existed)\n", ok("token", "revoke", token).out());
        assertEquals(2, cli.run("token", "lookup", token).code());
    }

    @Test
    @Order(6)
    void appRoleLoginThroughTheCli() throws Exception {
        assertEquals("Success! Enabled approle auth method at: approle/\n", ok("auth", "enable", "approle").out());
        assertTrue(ok("auth", "list").out().contains("approle/"));
        ok("write", "auth/approle/role/web", "token_policies=reader");
        String roleId = ok("read", "-field=role_id", "auth/approle/role/web/role-id").out();
        String secretId = ok("write", "-f", "-field=secret_id", "auth/approle/role/web/secret-id").out();
        JsonNode login = json(ok("login", "-method=approle", "-no-store", "-format=json", "role_id=" + roleId,
                "secret_id=" + secretId));
        List<String> policies = new ArrayList<>();
        login.get("auth").get("policies").forEach(p -> policies.add(p.asText()));
        assertEquals(List.of("default", "reader"), policies.stream().sorted().toList());
        assertEquals(root, Files.readString(home.resolve(".custos-token")), "-no-store kept the stored token");

        // the runbook's hand-over of a secret ID: wrapped by the operator, unwrapped once by the app
        CliTestSupport.Result wrapped = ok("write", "-f", "-wrap-ttl=2m", "auth/approle/role/web/secret-id");
        assertTrue(wrapped.out().contains("wrapping_token:") && wrapped.out().matches("(?s).*wrapping_token_ttl: +2m\n.*")
                && wrapped.out().contains("auth/approle/role/web/secret-id") && !wrapped.out().contains("secret_id "),
                wrapped.out());
        String wrapping = ok("write", "-f", "-wrap-ttl=120s", "-field=wrapping_token", "auth/approle/role/web/secret-id").out();
        String unwrapped = ok("unwrap", "-field=secret_id", wrapping).out();
        assertEquals(200, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\""
                + unwrapped + "\"}").status(), "the unwrapped secret ID logs in");
        CliTestSupport.Result again = cli.run("unwrap", wrapping);
        assertEquals(2, again.code(), "a wrapping token is single-use: " + again);
        assertTrue(again.err().startsWith("Error unwrapping: Error making API request."), again.err());
        // VAULT_WRAP_TTL, a wrapped list, and an app with no token of its own: the wrapping token is its credential
        cli.env("VAULT_WRAP_TTL", "60");
        String listWrapping = ok("list", "-field=wrapping_token", "auth/approle/role").out();
        cli.env("VAULT_WRAP_TTL", null);
        Path appHome = Files.createTempDirectory("custos-cli-app");
        CliTestSupport app = new CliTestSupport("http://127.0.0.1:" + server.getPort(), appHome);
        CliTestSupport.Result list = app.run("unwrap", listWrapping);
        assertEquals(0, list.code(), list.toString());
        assertEquals("Keys\n----\nweb\n", list.out());
        CliTestSupport.Result bad = cli.run("read", "-wrap-ttl=5m\r\nX-Evil: 1", "auth/approle/role/web/role-id");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("invalid -wrap-ttl"), bad.err());
        CliTestSupport.Result refused = cli.run("read", "-wrap-ttl=soon", "auth/approle/role/web/role-id");
        assertEquals(2, refused.code(), "the broker judges the duration: " + refused);
        assertTrue(refused.err().contains("Code: 400"), refused.err());

        // a wrapped login: the wrapping token printed, nothing stored; unwrapping it gives the token
        CliTestSupport.Result wrappedLogin = ok("login", "-method=approle", "-wrap-ttl=1m", "role_id=" + roleId,
                "secret_id=" + secretId);
        assertTrue(wrappedLogin.out().contains("wrapping_token:") && !wrappedLogin.out().contains("Success!"),
                wrappedLogin.out());
        String loginWrapping = ok("login", "-method=approle", "-wrap-ttl=1m", "-token-only", "role_id=" + roleId,
                "secret_id=" + secretId).out().trim();
        assertEquals(root, Files.readString(home.resolve(".custos-token")), "a wrapped login stores nothing");
        String appToken = json(ok("unwrap", "-format=json", loginWrapping)).get("auth").get("client_token").asText();
        assertEquals(200, call("GET", "auth/token/lookup-self", appToken, null).status(), "the unwrapped token works");

        // -output-curl-string: the first request printed, not sent, never with the token itself; and what it
        // prints runs in a real shell with curl (a custos function standing in for `custos print token`)
        String address = "http://127.0.0.1:" + server.getPort();
        CliTestSupport.Result curl = ok("write", "-output-curl-string", "auth/approle/role/web/custom-secret-id",
                "secret_id=it's-mine");
        assertEquals("curl -X PUT -H 'Content-Type: application/json' -H \"X-Vault-Token: $(custos print token)\" "
                + "-H 'X-Vault-Request: true' -d '{\"secret_id\":\"it'\"'\"'s-mine\"}' '" + address
                + "/v1/auth/approle/role/web/custom-secret-id'\n", curl.out());
        assertEquals(400, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId
                + "\",\"secret_id\":\"it's-mine\"}").status(), "printed, not sent");
        assertEquals(root + "\n", ok("print", "token").out());
        assertEquals("curl -H 'X-Vault-Request: true' '" + address + "/v1/sys/seal-status'\n",
                ok("status", "-output-curl-string").out(), "status sends no token");
        assertTrue(shell("custos() { echo '" + root + "'; }; " + curl.out()).contains("secret_id_accessor"));
        assertEquals(200, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId
                + "\",\"secret_id\":\"it's-mine\"}").status(), "the printed command did the write");
        assertTrue(shell("custos() { echo '" + root + "'; }; " + ok("read", "-output-curl-string",
                "auth/approle/role/web/role-id").out()).contains(roleId));

        ok("auth", "tune", "-default-lease-ttl=30m", "approle");
        assertEquals("Success! Disabled the auth method (if it existed) at: approle/\n", ok("auth", "disable", "approle").out());
    }

    @Test
    @Order(7)
    void leasesOfDynamicCredentials() throws Exception {
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        ok("secrets", "enable", "database");
        ok("write", "database/config/app", "plugin_name=postgresql-database-plugin", "allowed_roles=*",
                "connection_url=postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port() + "/"
                        + target.name() + "?sslmode=disable", "username=" + target.user(), "password=" + target.password());
        ok("write", "database/roles/r", "db_name=app", "default_ttl=1h",
                "creation_statements=CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';");
        JsonNode creds = json(ok("read", "-format=json", "database/creds/r"));
        String lease = creds.get("lease_id").asText();
        CliTestSupport.Result table = ok("read", "database/creds/r");
        assertTrue(table.out().contains("lease_id") && table.out().matches("(?s).*lease_duration\\s+1h\n.*"), table.out());
        assertTrue(ok("lease", "lookup", lease).out().contains("expire_time"));
        assertTrue(ok("lease", "renew", "-increment=30m", lease).out().contains("lease_duration"));
        assertEquals("Success! Revoked lease: " + lease + "\n", ok("lease", "revoke", lease).out());
        assertEquals(2, cli.run("lease", "lookup", lease).code());
        assertEquals("Success! Revoked any leases with prefix: database/creds/r\n",
                ok("lease", "revoke", "-prefix", "database/creds/r").out());
        ok("secrets", "tune", "-max-lease-ttl=2h", "database");
        ok("secrets", "move", "database", "db2");
        assertEquals("Success! Disabled the secrets engine (if it existed) at: db2/\n", ok("secrets", "disable", "db2").out());
    }

    @Test
    @Order(8)
    void auditDevices() throws Exception {
        Path log = home.resolve("audit.log");
        assertEquals(2, cli.run("audit", "list").code(), "none enabled");
        assertEquals("Success! Enabled the file audit device at: file/\n",
                ok("audit", "enable", "file", "file_path=" + log).out());
        assertTrue(ok("audit", "list", "-detailed").out().contains(log.toString()));
        assertTrue(Files.readString(log).contains("sys/audit"));
        assertEquals("Success! Disabled audit device (if it was enabled) at: file/\n", ok("audit", "disable", "file").out());
    }

    @Test
    @Order(9)
    void keysRootGenerationAndRekey() throws Exception {
        assertTrue(ok("operator", "key-status").out().contains("Key Term"));
        assertTrue(ok("operator", "rotate").out().startsWith("Success! Rotated key"));
        CliTestSupport.Result init = ok("operator", "generate-root", "-init", "-format=json");
        JsonNode started = json(init);
        String otp = started.get("otp").asText();
        String nonce = started.get("nonce").asText();
        ok("operator", "generate-root", "-nonce=" + nonce, unsealKeys.get(0));
        JsonNode done = json(ok("operator", "generate-root", "-format=json", unsealKeys.get(2)));
        String token = ok("operator", "generate-root", "-decode=" + done.get("encoded_token").asText(), "-otp=" + otp)
                .out().trim();
        assertTrue(token.startsWith("cvs."), token);
        cli.env("CUSTOS_TOKEN", token);
        JsonNode generated = json(ok("token", "lookup", "-format=json"));
        cli.env("CUSTOS_TOKEN", null);
        assertEquals("[\"root\"]", generated.get("data").get("policies").toString());
        assertEquals(token, generated.get("data").get("id").asText());

        ok("operator", "rekey", "-init", "-key-shares=2", "-key-threshold=2");
        ok("operator", "rekey", unsealKeys.get(0));
        CliTestSupport.Result rekeyed = ok("operator", "rekey", unsealKeys.get(1));
        List<String> fresh = new ArrayList<>();
        for (String line : rekeyed.out().split("\n")) {
            if (line.startsWith("Key ")) {
                fresh.add(line.substring(line.indexOf(": ") + 2));
            }
        }
        assertEquals(2, fresh.size(), rekeyed.out());
        assertEquals("Success! Custos is sealed.\n", ok("operator", "seal").out());
        ok("operator", "unseal", unsealKeys.get(0));
        CliTestSupport.Result old = cli.run("operator", "unseal", unsealKeys.get(1));
        assertEquals(2, old.code(), "the old shares open nothing: " + old);
        assertTrue(old.err().contains("do not reconstruct"), old.err());
        ok("operator", "unseal", "-reset");
        ok("operator", "unseal", fresh.get(0));
        ok("operator", "unseal", fresh.get(1));
        assertEquals(0, cli.run("status").code(), "unsealed with the new shares");
    }

    @Test
    @Order(10)
    void usageAndConnectionErrorsAndEveryCommandsHelp() {
        assertEquals(2, cli.run("bogus").code());
        assertEquals(2, cli.run("read").code(), "missing PATH");
        assertEquals(2, cli.run("read", "-format=xml", "sys/mounts").code());
        CliTestSupport.Result down = cli.run("read", "-address=http://127.0.0.1:1", "sys/mounts");
        assertEquals(2, down.code());
        assertTrue(down.err().contains("connection refused"), down.err());
        assertFalse(down.err().contains("Exception"), "no stack trace: " + down.err());
        CliTestSupport.Result help = cli.run("kv", "put", "-h");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Writes a secret") && help.out().contains("-cas"), help.out());
        assertEquals(0, cli.run("kv", "get", "-help").code());
    }
}
