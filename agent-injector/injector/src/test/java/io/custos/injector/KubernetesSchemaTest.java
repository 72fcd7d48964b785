package io.custos.injector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the injector and deploy/ produce, validated against the Kubernetes OpenAPI schema
 * (kubernetes-models, run with node from tools/k8s-schema): every fixture's patched pod, in both
 * injection shapes, and every kustomize overlay as {@code kubectl kustomize} renders it. Skips with
 * a message where node or kubectl is missing, unless CUSTOS_REQUIRE_CLIENTS=1 (CI) makes it fail.
 */
class KubernetesSchemaTest {
    private static final Path TOOLS = Path.of("../../tools/k8s-schema").toAbsolutePath().normalize();
    private static final Path OVERLAYS = Path.of("../../deploy/kubernetes/overlays").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static boolean required() {
        return "1".equals(System.getenv("CUSTOS_REQUIRE_CLIENTS"));
    }

    private static void need(boolean present, String what) {
        if (!present && required()) {
            throw new AssertionError(what + " is missing (CUSTOS_REQUIRE_CLIENTS=1)");
        }
        Assumptions.assumeTrue(present, what + " is missing: skipped");
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** node with kubernetes-models installed (installed here from package-lock.json when npm can). */
    private static void needValidator() {
        need(runs("node", "--version"), "node");
        if (!Files.isDirectory(TOOLS.resolve("node_modules/kubernetes-models")) && runs("npm", "--version")) {
            runs("npm", "ci", "--prefix", TOOLS.toString(), "--no-audit", "--no-fund", "--loglevel=error");
        }
        need(Files.isDirectory(TOOLS.resolve("node_modules/kubernetes-models")), "tools/k8s-schema/node_modules (npm ci)");
    }

    /** The validator's verdict on the objects: its output, and whether all were valid. */
    private record Verdict(String output, boolean valid) {
    }

    private Verdict validate(String name, List<JsonNode> objects) throws Exception {
        Path file = dir.resolve(name + ".json");
        ArrayNode array = WebhookTest.JSON.createArrayNode();
        objects.forEach(array::add);
        Files.write(file, WebhookTest.JSON.writeValueAsBytes(array));
        Process p = new ProcessBuilder("node", TOOLS.resolve("validate.mjs").toString(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Verdict(out, p.exitValue() == 0);
    }

    private static JsonNode patched(InjectorSettings settings, JsonNode pod) throws Exception {
        AdmissionController c = new AdmissionController(settings);
        JsonNode review = WebhookTest.review(pod, "admission.k8s.io/v1");
        JsonNode answer = WebhookTest.JSON.readTree(c.review(WebhookTest.JSON.writeValueAsBytes(review)));
        return WebhookTest.patched(pod, answer.path("response"));
    }

    @Test
    void theValidatorRejectsWhatKubernetesWould() throws Exception {
        needValidator();
        JsonNode bad = WebhookTest.JSON.readTree("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\",\"resources\":{\"limits\":{\"cpu\":\"lots\"}}}]}}");
        Verdict v = validate("bad", List.of(bad));
        assertTrue(!v.valid() && v.output().contains("limits/cpu"), v.output());
    }

    @Test
    void injectedPodsAreValidPods() throws Exception {
        needValidator();
        InjectorSettings settings = InjectorSettings.defaults(WebhookTest.BROKER, WebhookTest.IMAGE);
        List<JsonNode> pods = new ArrayList<>();
        for (boolean nativeSidecar : List.of(true, false)) {
            InjectorSettings s = settings.withNativeSidecar(nativeSidecar);
            pods.add(patched(s, WebhookTest.resource("deployment-review.json").path("request").path("object")));
            pods.add(patched(s, WebhookTest.resource("cronjob-review-v1beta1.json").path("request").path("object")));
            for (String f : List.of("job-pod.json", "vault-pod.json")) {
                pods.add(patched(s, WebhookTest.resource(f)));
            }
        }
        for (JsonNode p : pods) {
            assertTrue(PodMutator.hasAgent(p), "every fixture was injected");
        }
        Verdict v = validate("pods", pods);
        assertTrue(v.valid(), v.output());
        assertEquals(pods.size(), v.output().lines().filter(l -> l.endsWith(": valid")).count(), v.output());
    }

    @Test
    void everyOverlayRendersToValidObjectsWithoutSecrets() throws Exception {
        needValidator();
        need(runs("kubectl", "version", "--client"), "kubectl");
        List<Path> overlays;
        try (var s = Files.list(OVERLAYS)) {
            overlays = s.filter(Files::isDirectory).sorted().toList();
        }
        assertEquals(List.of("dev", "ha"), overlays.stream().map(p -> p.getFileName().toString()).toList());
        for (Path overlay : overlays) {
            Process p = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).redirectErrorStream(false).start();
            String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), err);
            List<JsonNode> objects = new ArrayList<>();
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
                if (doc != null) {
                    objects.add(WebhookTest.JSON.valueToTree(doc));
                }
            }
            List<String> kinds = objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata")
                    .path("name").asText()).toList();
            for (String expected : List.of("Deployment/custos", "Deployment/custos-injector", "Service/custos",
                    "Service/custos-injector", "PodDisruptionBudget/custos", "NetworkPolicy/custos",
                    "ClusterRoleBinding/custos-auth-delegator", "MutatingWebhookConfiguration/custos-agent-injector")) {
                assertTrue(kinds.contains(expected), overlay + " lacks " + expected + ": " + kinds);
            }
            assertTrue(kinds.stream().noneMatch(k -> k.startsWith("Secret/")), "secrets never come from the manifests");
            JsonNode webhook = objects.stream().filter(o -> o.path("kind").asText().equals("MutatingWebhookConfiguration"))
                    .findFirst().orElseThrow().path("webhooks").get(0);
            assertEquals("Fail", webhook.path("failurePolicy").asText());
            assertEquals("None", webhook.path("sideEffects").asText());
            assertEquals("IfNeeded", webhook.path("reinvocationPolicy").asText());
            assertEquals("enabled", webhook.path("namespaceSelector").path("matchLabels").path("custos.io/injection").asText());
            assertTrue(webhook.path("timeoutSeconds").asInt() <= 10);
            Verdict v = validate(overlay.getFileName().toString(), objects);
            assertTrue(v.valid(), v.output());
        }
    }
}
