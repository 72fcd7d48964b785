package io.custos.injector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One AdmissionReview ({@code admission.k8s.io/v1} or {@code v1beta1}, answered in the version
 * received): a pod that asks for the agent gets an RFC 6902 JSON Patch; a pod that does not ask,
 * or is in a system namespace or the injector's own, or is already injected, is allowed unchanged;
 * a pod whose annotations are invalid is refused with a message naming the annotation.
 */
final class AdmissionController {
    private static final Logger LOG = Logger.getLogger(AdmissionController.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // a pod is at most a few hundred KiB; nesting beyond this is an attack, not a pod
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    /** Outcomes, counted for {@code /metrics}. */
    enum Outcome {
        INJECTED, SKIPPED, REFUSED, MALFORMED
    }

    /** A request that is not an AdmissionReview at all: answered 400. */
    static final class BadReview extends Exception {
        BadReview(String message) {
            super(message);
        }
    }

    private final InjectorSettings settings;
    private final Map<Outcome, AtomicLong> counts = new LinkedHashMap<>();

    AdmissionController(InjectorSettings settings) {
        this.settings = settings;
        for (Outcome o : Outcome.values()) {
            counts.put(o, new AtomicLong());
        }
    }

    long count(Outcome o) {
        return counts.get(o).get();
    }

    /** The AdmissionReview answer to {@code body}. */
    byte[] review(byte[] body) throws BadReview {
        JsonNode review;
        try {
            review = JSON.readTree(body);
        } catch (IOException e) {
            counts.get(Outcome.MALFORMED).incrementAndGet();
            throw new BadReview("the body is not JSON");
        }
        String apiVersion = review == null ? "" : review.path("apiVersion").asText();
        if (review == null || !review.path("kind").asText().equals("AdmissionReview")
                || !(apiVersion.equals("admission.k8s.io/v1") || apiVersion.equals("admission.k8s.io/v1beta1"))) {
            counts.get(Outcome.MALFORMED).incrementAndGet();
            throw new BadReview("expected an AdmissionReview of admission.k8s.io/v1 or v1beta1");
        }
        JsonNode request = review.path("request");
        String uid = request.path("uid").asText();
        if (uid.isEmpty()) {
            counts.get(Outcome.MALFORMED).incrementAndGet();
            throw new BadReview("the AdmissionReview has no request.uid");
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("uid", uid);
        decide(request, response);
        ObjectNode out = JSON.createObjectNode();
        out.put("apiVersion", apiVersion);
        out.put("kind", "AdmissionReview");
        out.set("response", response);
        try {
            return JSON.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void decide(JsonNode request, ObjectNode response) {
        JsonNode pod = request.path("object");
        String namespace = request.path("namespace").asText(pod.path("metadata").path("namespace").asText(""));
        String name = pod.path("metadata").path("name").asText(pod.path("metadata").path("generateName").asText("?"));
        response.put("allowed", true);
        if (!request.path("kind").path("kind").asText("Pod").equals("Pod") || !pod.isObject()
                || !request.path("operation").asText("CREATE").equals("CREATE")) {
            counts.get(Outcome.SKIPPED).incrementAndGet();
            return;
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        pod.path("metadata").path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(),
                e.getValue().asText()));
        try {
            Annotations a = Annotations.of(annotations);
            if (a == null || !a.wantsInjection() || a.alreadyInjected() || PodMutator.hasAgent(pod)
                    || settings.skipsNamespace(namespace)) {
                if (a != null && a.wantsInjection() && settings.skipsNamespace(namespace)) {
                    LOG.info("not injecting " + namespace + "/" + name + ": the namespace is never injected");
                }
                counts.get(Outcome.SKIPPED).incrementAndGet();
                return;
            }
            List<String> containers = new ArrayList<>();
            pod.path("spec").path("containers").forEach(c -> containers.add(c.path("name").asText()));
            Annotations.Injection injection = a.parse(containers, settings);
            ObjectNode injected = PodMutator.mutate(pod, injection, settings);
            response.put("patchType", "JSONPatch");
            response.put("patch", Base64.getEncoder().encodeToString(patch(pod, injected)));
            counts.get(Outcome.INJECTED).incrementAndGet();
            LOG.info("injected the agent into " + namespace + "/" + name);
        } catch (Annotations.InvalidAnnotation | PodMutator.Refused e) {
            counts.get(Outcome.REFUSED).incrementAndGet();
            response.put("allowed", false);
            ObjectNode status = response.putObject("status");
            status.put("code", 400);
            status.put("reason", "BadRequest");
            status.put("message", "custos injector: " + e.getMessage());
            LOG.info("refused " + namespace + "/" + name + ": " + e.getMessage());
        }
    }

    /** RFC 6902: what turns the pod into the injected pod (JSON-P's diff). */
    static byte[] patch(JsonNode before, JsonNode after) {
        JsonArray ops = Json.createDiff(structure(before), structure(after)).toJsonArray();
        return ops.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonStructure structure(JsonNode n) {
        try (JsonReader r = Json.createReader(new ByteArrayInputStream(JSON.writeValueAsBytes(n)))) {
            return r.read();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
