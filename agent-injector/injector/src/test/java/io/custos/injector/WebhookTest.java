package io.custos.injector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import io.custos.agent.AgentConfig;
import io.custos.agent.ConfigLoader;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The webhook as the API server sees it: AdmissionReviews (real Kubernetes JSON) posted over TLS 1.3
 * to a running injector, the returned patch applied with an independent RFC 6902 implementation
 * (zjsonpatch), and the resulting pod checked field by field. Two injectors: one for a cluster with
 * native sidecars, one without.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BROKER = "https://custos.custos.svc:8200";
    static final String IMAGE = "registry.example/custos/agent:0.1.0";

    @TempDir
    static Path dir;
    private X509Certificate cert;
    private InjectorServer nativeServer;
    private InjectorServer legacyServer;
    private HttpClient http;

    @BeforeAll
    void start() throws Exception {
        cert = TestCertificates.write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        InjectorSettings s = new InjectorSettings("127.0.0.1:0", dir.resolve("tls.crt").toString(),
                dir.resolve("tls.key").toString(), BROKER, IMAGE, "custos", true, "custos", 100, 1000,
                InjectorSettings.DEFAULT_RESOURCES, null, false);
        nativeServer = new InjectorServer(s);
        legacyServer = new InjectorServer(s.withNativeSidecar(false));
        nativeServer.start();
        legacyServer.start();
        http = HttpClient.newBuilder().sslContext(TestCertificates.trusting(cert, "TLSv1.3")).build();
    }

    @AfterAll
    void stop() {
        nativeServer.close();
        legacyServer.close();
    }

    // ---- helpers

    static JsonNode resource(String name) throws Exception {
        try (InputStream in = WebhookTest.class.getResourceAsStream("/admission/" + name)) {
            return JSON.readTree(in);
        }
    }

    static ObjectNode review(JsonNode pod, String apiVersion) {
        ObjectNode r = JSON.createObjectNode();
        r.put("kind", "AdmissionReview");
        r.put("apiVersion", apiVersion);
        ObjectNode req = r.putObject("request");
        req.put("uid", UUID.randomUUID().toString());
        req.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        req.put("namespace", pod.path("metadata").path("namespace").asText());
        req.put("operation", "CREATE");
        req.putObject("userInfo").put("username", "kubernetes-admin");
        req.set("object", pod);
        req.put("dryRun", false);
        return r;
    }

    HttpResponse<String> post(InjectorServer server, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The review's answer, checked as the API server checks it (version and uid echoed). */
    JsonNode answer(InjectorServer server, JsonNode review) throws Exception {
        HttpResponse<String> r = post(server, "/mutate", JSON.writeValueAsString(review));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode a = JSON.readTree(r.body());
        assertEquals(review.path("apiVersion").asText(), a.path("apiVersion").asText());
        assertEquals("AdmissionReview", a.path("kind").asText());
        assertEquals(review.path("request").path("uid").asText(), a.path("response").path("uid").asText());
        return a.path("response");
    }

    /** The pod after the answer's patch (applied with zjsonpatch); the pod itself when there is no patch. */
    static JsonNode patched(JsonNode pod, JsonNode response) throws Exception {
        assertTrue(response.path("allowed").asBoolean(), response.toString());
        if (!response.has("patch")) {
            return pod;
        }
        assertEquals("JSONPatch", response.path("patchType").asText());
        JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
        return JsonPatch.apply(patch, pod);
    }

    JsonNode inject(InjectorServer server, JsonNode pod) throws Exception {
        JsonNode out = patched(pod, answer(server, review(pod, "admission.k8s.io/v1")));
        // idempotent: a second review of the injected pod changes nothing
        JsonNode again = answer(server, review(out, "admission.k8s.io/v1"));
        assertTrue(again.path("allowed").asBoolean());
        assertFalse(again.has("patch"), "a second review patched the injected pod again");
        return out;
    }

    static JsonNode container(JsonNode pod, String list, String name) {
        for (JsonNode c : pod.path("spec").path(list)) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return null;
    }

    static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        return null;
    }

    static JsonNode mount(JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(path)) {
                return m;
            }
        }
        return null;
    }

    /** The agent configuration an injected container carries (base64 JSON in its environment). */
    static JsonNode config(JsonNode agent) throws Exception {
        for (JsonNode e : agent.path("env")) {
            if (e.path("name").asText().equals(PodMutator.CONFIG_ENV)) {
                return JSON.readTree(Base64.getDecoder().decode(e.path("value").asText()));
            }
        }
        throw new AssertionError("no " + PodMutator.CONFIG_ENV + " in " + agent);
    }

    static void assertHardened(JsonNode agent) {
        JsonNode sc = agent.path("securityContext");
        assertTrue(sc.path("runAsNonRoot").asBoolean(), agent.toString());
        assertTrue(sc.path("readOnlyRootFilesystem").asBoolean());
        assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true));
        assertEquals("[\"ALL\"]", sc.path("capabilities").path("drop").toString());
        assertEquals("RuntimeDefault", sc.path("seccompProfile").path("type").asText());
        assertNotEquals(0, sc.path("runAsUser").asLong());
    }

    static List<String> destinations(JsonNode config) {
        List<String> out = new ArrayList<>();
        config.path("template").forEach(t -> out.add(t.path("destination").asText()));
        return out;
    }

    // ---- the fixtures

    @Test
    void aDeploymentsPodGetsANativeSidecarThatGatesTheAppOnItsFiles() throws Exception {
        JsonNode review = resource("deployment-review.json");
        JsonNode pod = review.path("request").path("object");
        JsonNode out = patched(pod, answer(nativeServer, review));
        assertFalse(answer(nativeServer, review(out, "admission.k8s.io/v1")).has("patch"), "idempotent");

        assertEquals(2, out.path("spec").path("containers").size(), "no container added: the sidecar is native");
        JsonNode agent = container(out, "initContainers", PodMutator.AGENT);
        assertEquals("Always", agent.path("restartPolicy").asText());
        assertEquals(IMAGE, agent.path("image").asText());
        assertHardened(agent);
        String probe = agent.path("startupProbe").path("exec").path("command").get(2).asText();
        assertEquals("test -e '/custos/secrets/config.json' && test -e '/custos/secrets/db'", probe);
        assertEquals("500m", agent.path("resources").path("limits").path("cpu").asText());

        JsonNode config = config(agent);
        assertFalse(config.path("exit_after_auth").asBoolean(), "a sidecar keeps running");
        assertEquals(BROKER, config.path("vault").path("address").asText());
        assertEquals("kubernetes", config.path("auto_auth").path("method").path("type").asText());
        assertEquals("web", config.path("auto_auth").path("method").path("config").path("role").asText());
        assertEquals("/var/run/secrets/custos.io/serviceaccount/token",
                config.path("auto_auth").path("method").path("config").path("token_path").asText());
        assertEquals(List.of("/custos/secrets/config.json", "/custos/secrets/db"), destinations(config), "by name");
        JsonNode db = config.path("template").get(1);
        assertEquals("0400", db.path("perms").asText());
        assertEquals("kill -HUP 1", db.path("command").asText());
        assertTrue(db.path("contents").asText().contains("postgresql://{{ .Data.username }}"));
        assertEquals("{{ with secret \"secret/data/web/config\" }}{{ .Data | toJSON }}\n{{ end }}",
                config.path("template").get(0).path("contents").asText(), "agent-inject-default-template: json");

        for (String app : List.of("web", "metrics-exporter")) {
            JsonNode m = mount(container(out, "containers", app), "/custos/secrets");
            assertEquals(PodMutator.SECRETS_VOLUME, m.path("name").asText(), app);
            assertTrue(m.path("readOnly").asBoolean());
        }
        assertEquals("Memory", volume(out, PodMutator.SECRETS_VOLUME).path("emptyDir").path("medium").asText());
        assertEquals("Memory", volume(out, PodMutator.HOME_VOLUME).path("emptyDir").path("medium").asText());
        JsonNode sat = volume(out, PodMutator.TOKEN_VOLUME).path("projected").path("sources").get(0)
                .path("serviceAccountToken");
        assertEquals("custos", sat.path("audience").asText());
        assertNull(mount(container(out, "containers", "web"), AgentConfigs.HOME), "the app never sees the agent's token");
        assertEquals("injected", out.path("metadata").path("annotations").path("custos.io/agent-inject-status").asText());
        assertEquals(pod.path("spec").path("volumes").get(0), out.path("spec").path("volumes").get(0),
                "the pod's own volumes are untouched");
    }

    @Test
    void withoutNativeSidecarsAnInitAgentHandsOverToTheSidecar() throws Exception {
        JsonNode pod = resource("deployment-review.json").path("request").path("object");
        JsonNode out = inject(legacyServer, pod);
        JsonNode init = container(out, "initContainers", PodMutator.AGENT_INIT);
        JsonNode sidecar = container(out, "containers", PodMutator.AGENT);
        assertTrue(config(init).path("exit_after_auth").asBoolean());
        assertFalse(config(sidecar).path("exit_after_auth").asBoolean());
        assertFalse(config(init).path("template").get(0).has("command"), "the init agent runs no commands");
        assertEquals(PodMutator.HOME_VOLUME, mount(init, AgentConfigs.HOME).path("name").asText());
        assertEquals(PodMutator.HOME_VOLUME, mount(sidecar, AgentConfigs.HOME).path("name").asText(),
                "one home: the sidecar adopts the init agent's leases (one database user per pod)");
        assertHardened(init);
        assertHardened(sidecar);
        assertFalse(sidecar.has("restartPolicy"));
    }

    @Test
    void cacheOffMeansNoHandOffAndQuitGetsItsListener() throws Exception {
        ObjectNode pod = (ObjectNode) resource("deployment-review.json").path("request").path("object").deepCopy();
        ((ObjectNode) pod.path("metadata").path("annotations")).put("custos.io/agent-cache-enable", "false")
                .put("custos.io/agent-enable-quit", "true");
        JsonNode out = inject(legacyServer, pod);
        assertEquals(PodMutator.HOME_INIT_VOLUME, mount(container(out, "initContainers", PodMutator.AGENT_INIT),
                AgentConfigs.HOME).path("name").asText(), "no shared home: the sidecar logs in afresh");
        JsonNode sidecar = config(container(out, "containers", PodMutator.AGENT));
        assertEquals(AgentConfigs.QUIT_ADDRESS, sidecar.path("listener").get(0).path("address").asText());
        assertTrue(sidecar.path("listener").get(0).path("agent_api").path("enable_quit").asBoolean());
        assertFalse(config(container(out, "initContainers", PodMutator.AGENT_INIT)).has("listener"));
    }

    @Test
    void jobsCompleteAndTheAnswerComesInTheVersionAsked() throws Exception {
        JsonNode review = resource("cronjob-review-v1beta1.json");
        JsonNode pod = review.path("request").path("object");
        // without native sidecars a Job's pod gets the init agent only: nothing keeps it from completing
        JsonNode legacy = patched(pod, answer(legacyServer, review));
        assertEquals(1, legacy.path("spec").path("containers").size());
        assertTrue(config(container(legacy, "initContainers", PodMutator.AGENT_INIT)).path("exit_after_auth").asBoolean());
        // with them, the native sidecar (Kubernetes stops it when the job's container ends)
        JsonNode nat = patched(pod, answer(nativeServer, review));
        assertEquals("Always", container(nat, "initContainers", PodMutator.AGENT).path("restartPolicy").asText());
        assertEquals(1, nat.path("spec").path("containers").size());

        // a Job with init-first: the agent first, and the job's own init container reads the secrets
        JsonNode job = resource("job-pod.json");
        JsonNode out = inject(nativeServer, job);
        assertEquals(PodMutator.AGENT, out.path("spec").path("initContainers").get(0).path("name").asText());
        assertEquals("wait-for-db", out.path("spec").path("initContainers").get(1).path("name").asText());
        assertTrue(mount(container(out, "initContainers", "wait-for-db"), "/custos/secrets") != null);
        JsonNode t = config(container(out, "initContainers", PodMutator.AGENT)).path("template").get(0);
        assertEquals("/custos/secrets/db/url", t.path("destination").asText());
        assertTrue(t.path("create_dest_dirs").asBoolean());
        JsonNode legacyJob = inject(legacyServer, job);
        assertNull(container(legacyJob, "containers", PodMutator.AGENT), "a Job's pod gets no sidecar to keep it alive");
    }

    @Test
    void vaultAnnotationsMigrateUnchanged() throws Exception {
        JsonNode out = inject(legacyServer, resource("vault-pod.json"));
        assertEquals("injected", out.path("metadata").path("annotations").path("vault.hashicorp.com/agent-inject-status")
                .asText());
        assertTrue(mount(container(out, "containers", "orders"), "/vault/secrets") != null);
        assertNull(mount(container(out, "containers", "envoy"), "/vault/secrets"), "agent-inject-containers");
        JsonNode sidecar = container(out, "containers", PodMutator.AGENT);
        JsonNode config = config(sidecar);
        assertEquals(List.of("/vault/secrets/api_key", "/vault/secrets/database-config.txt"), destinations(config),
                "names lower-cased as vault-k8s does");
        assertEquals("{{ with secret \"secret/data/orders/api\" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n"
                + "{{ end }}{{ end }}", config.path("template").get(0).path("contents").asText(), "vault-k8s's default template");
        assertEquals("/vault/tls/ca.crt", config.path("vault").path("ca_cert").asText());
        assertEquals("custos-ca", volume(out, PodMutator.TLS_VOLUME).path("secret").path("secretName").asText());
        assertTrue(mount(sidecar, "/vault/tls").path("readOnly").asBoolean());
        assertTrue(config.path("revoke_on_shutdown").asBoolean());
        assertEquals("120s", config.path("template_config").path("static_secret_render_interval").asText());
        assertEquals("96Mi", sidecar.path("resources").path("limits").path("memory").asText());
    }

    @Test
    void podsThatDoNotAskOrMustNotBeInjectedAreAllowedUnchanged() throws Exception {
        for (String fixture : List.of("kube-system-pod.json", "plain-pod.json")) {
            JsonNode r = answer(nativeServer, review(resource(fixture), "admission.k8s.io/v1"));
            assertTrue(r.path("allowed").asBoolean(), fixture);
            assertFalse(r.has("patch"), fixture);
        }
        ObjectNode own = (ObjectNode) resource("plain-pod.json").deepCopy();
        ((ObjectNode) own.path("metadata")).put("namespace", "custos");
        ((ObjectNode) own.path("metadata").path("annotations")).put("custos.io/agent-inject", "true");
        assertFalse(answer(nativeServer, review(own, "admission.k8s.io/v1")).has("patch"), "the injector's own namespace");
        ObjectNode off = (ObjectNode) resource("job-pod.json").deepCopy();
        ((ObjectNode) off.path("metadata").path("annotations")).put("custos.io/agent-inject", "false");
        assertFalse(answer(nativeServer, review(off, "admission.k8s.io/v1")).has("patch"), "agent-inject: false");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "custos.io/agent-inject-secrt-db|database/creds/web|custos.io/agent-inject-secrt-db is not an annotation",
        "custos.io/agent-inject-perms-db|0999|custos.io/agent-inject-perms-db",
        "custos.io/agent-inject-template-db|{{ with secret \"x\" }}{{ .Data }|custos.io/agent-inject-template-db does not parse",
        "custos.io/agent-run-as-user|0|custos.io/agent-run-as-user",
        "custos.io/agent-inject|yes|custos.io/agent-inject \"yes\" is not true or false",
        "custos.io/agent-inject-containers|web,sidecar|names \"sidecar\", which is not a container",
        "custos.io/agent-inject-template-cache|x|custos.io/agent-inject-template-cache has no custos.io/agent-inject-secret-cache",
        "vault.hashicorp.com/role|other|custos.io/role and vault.hashicorp.com/role disagree",
        "custos.io/agent-inject-file-db|../../etc/passwd|must be a relative path inside the secrets volume",
        "custos.io/secret-volume-path|relative/dir|must be an absolute path",
        "custos.io/agent-limits-mem|lots|is not a Kubernetes quantity",
        "custos.io/service|ftp://custos|is not an http(s):// address",
        "custos.io/agent-image|evil image|custos.io/agent-image",
        "custos.io/agent-inject-default-template|yaml|must be map or json",
        "custos.io/template-static-secret-render-interval|-5m|must be a positive duration",
    })
    void invalidAnnotationsAreRefusedNamingTheAnnotation(String key, String value, String expected) throws Exception {
        ObjectNode pod = (ObjectNode) resource("deployment-review.json").path("request").path("object").deepCopy();
        ((ObjectNode) pod.path("metadata").path("annotations")).put(key, value);
        JsonNode r = answer(nativeServer, review(pod, "admission.k8s.io/v1"));
        assertFalse(r.path("allowed").asBoolean(), r.toString());
        assertFalse(r.has("patch"));
        assertEquals(400, r.path("status").path("code").asInt());
        assertTrue(r.path("status").path("message").asText().contains(expected), r.path("status").path("message").asText());
    }

    /** Hostile input: 5,000-deep JSON is a 400; a 64 KiB template of quotes and backslashes reaches the agent intact. */
    @Test
    void deepNestingIsRefusedAndOddTemplatesSurviveWhole() throws Exception {
        String deep = "[".repeat(5_000) + "]".repeat(5_000);
        assertEquals(400, post(nativeServer, "/mutate", "{\"kind\":\"AdmissionReview\",\"apiVersion\":"
                + "\"admission.k8s.io/v1\",\"request\":{\"uid\":\"u\",\"object\":" + deep + "}}").statusCode());
        String text = "{{ with secret \"secret/data/x\" }}" + "\\\"'`$(x)${y}".repeat(64 * 1024 / 12) + "{{ end }}";
        ObjectNode pod = (ObjectNode) resource("deployment-review.json").path("request").path("object").deepCopy();
        ((ObjectNode) pod.path("metadata").path("annotations")).put("custos.io/agent-inject-template-db", text);
        JsonNode out = inject(nativeServer, pod);
        assertEquals(text, config(container(out, "initContainers", PodMutator.AGENT)).path("template").get(1)
                .path("contents").asText());
    }

    @Test
    void aRoleIsRequiredAndMountConflictsAreCaughtAtAdmission() throws Exception {
        ObjectNode pod = (ObjectNode) resource("plain-pod.json").deepCopy();
        ((ObjectNode) pod.path("metadata").path("annotations")).put("custos.io/agent-inject", "true");
        JsonNode r = answer(nativeServer, review(pod, "admission.k8s.io/v1"));
        assertTrue(r.path("status").path("message").asText().contains("custos.io/role is required"), r.toString());
        ((ObjectNode) pod.path("metadata").path("annotations")).put("custos.io/role", "app");
        ((ObjectNode) pod.path("spec").path("containers").get(0)).putArray("volumeMounts").addObject()
                .put("name", "data").put("mountPath", "/custos/secrets");
        r = answer(nativeServer, review(pod, "admission.k8s.io/v1"));
        assertFalse(r.path("allowed").asBoolean());
        assertTrue(r.path("status").path("message").asText().contains("already mounts something at /custos/secrets"));
    }

    @Test
    void theServerSpeaksTls13OnlyAndAnswersHealthAndMetrics() throws Exception {
        try (SSLSocket s = (SSLSocket) TestCertificates.trusting(cert, "TLS").getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), nativeServer.port())) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            assertThrows(SSLHandshakeException.class, s::startHandshake);
        }
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + nativeServer.port()
                + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(400, post(nativeServer, "/mutate", "{not json").statusCode());
        assertEquals(400, post(nativeServer, "/mutate", "{\"kind\":\"Pod\"}").statusCode());
        answer(nativeServer, review(resource("plain-pod.json"), "admission.k8s.io/v1"));
        String metrics = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + nativeServer.port()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("custos_injector_reviews_total{outcome=\"skipped\"}"), metrics);
        assertTrue(metrics.contains("custos_injector_reviews_total{outcome=\"malformed\"} "), metrics);
        assertTrue(metrics.contains("custos_injector_certificate_expiry_seconds "), metrics);
    }

    @Test
    void aRotatedCertificateIsServedWithoutARestart() throws Exception {
        InjectorSettings s = new InjectorSettings("127.0.0.1:0", dir.resolve("r.crt").toString(),
                dir.resolve("r.key").toString(), BROKER, IMAGE, "custos", true, "custos", 100, 1000,
                InjectorSettings.DEFAULT_RESOURCES, null, false);
        X509Certificate first = TestCertificates.write(dir.resolve("r.crt"), dir.resolve("r.key"));
        try (InjectorServer server = new InjectorServer(s)) {
            server.start();
            assertEquals(first.getSerialNumber(), served(server, first).getSerialNumber());
            // as a Secret volume or cert-manager would: the new files replace the old ones whole
            X509Certificate second = TestCertificates.write(dir.resolve("r2.crt"), dir.resolve("r2.key"), true);
            Files.move(dir.resolve("r2.key"), dir.resolve("r.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(dir.resolve("r2.crt"), dir.resolve("r.crt"), StandardCopyOption.REPLACE_EXISTING);
            X509Certificate now = first;
            for (int i = 0; i < 40 && now.getSerialNumber().equals(first.getSerialNumber()); i++) {
                Thread.sleep(100); // the files are checked at most once a second, on a handshake
                now = served(server, second);
            }
            assertEquals(second.getSerialNumber(), now.getSerialNumber());
        }
    }

    /** The certificate the server presents (trusting {@code expected} and, for the handshake, anything). */
    private static X509Certificate served(InjectorServer server, X509Certificate expected) throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLSv1.3");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                server.port())) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void theGeneratedConfigurationIsWhatTheAgentReads() throws Exception {
        JsonNode out = inject(nativeServer, resource("vault-pod.json"));
        String json = JSON.writeValueAsString(config(container(out, "initContainers", PodMutator.AGENT)));
        AgentConfig c = ConfigLoader.parseText("generated", json, Map.of());
        assertEquals(2, c.templates().size());
        assertEquals("orders", c.autoAuth().method().config().get("role"));
    }
}
