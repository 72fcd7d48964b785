package io.custos.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A patched pod run without a cluster: every volume is a directory, every container's mounts map
 * its paths onto them, and an agent container's command runs as a local process (the agent jar)
 * with the container's environment — its configuration's paths mapped the same way. The
 * service-account token volume holds a token the broker's Kubernetes auth accepts offline.
 */
final class LocalPod {
    static final String AGENT_COMMAND = "/opt/custos/bin/custos-agent";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode pod;
    private final Path root;

    LocalPod(JsonNode pod, Path root, String serviceAccountToken) throws Exception {
        this.pod = pod;
        this.root = root;
        for (JsonNode v : pod.path("spec").path("volumes")) {
            Path d = volume(v.path("name").asText());
            Files.createDirectories(d);
            for (JsonNode src : v.path("projected").path("sources")) {
                if (src.has("serviceAccountToken")) {
                    Files.writeString(d.resolve(src.path("serviceAccountToken").path("path").asText()), serviceAccountToken);
                }
            }
        }
    }

    Path volume(String name) {
        return root.resolve("volumes").resolve(name);
    }

    JsonNode container(String list, String name) {
        for (JsonNode c : pod.path("spec").path(list)) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no " + list + " " + name);
    }

    /** Where a path inside {@code container} lands on this machine (its longest matching mount). */
    Path hostPath(JsonNode container, String path) {
        String mapped = map(container, path);
        if (mapped.equals(path)) {
            throw new AssertionError(path + " is not on a volume of " + container.path("name").asText());
        }
        return Path.of(mapped);
    }

    private String map(JsonNode container, String text) {
        List<JsonNode> mounts = new ArrayList<>();
        container.path("volumeMounts").forEach(mounts::add);
        mounts.sort(Comparator.comparingInt((JsonNode m) -> m.path("mountPath").asText().length()).reversed());
        for (JsonNode m : mounts) {
            String mp = m.path("mountPath").asText();
            if (text.equals(mp) || text.startsWith(mp + "/")) {
                return volume(m.path("name").asText()) + text.substring(mp.length());
            }
        }
        return text;
    }

    /** Replaces every container path inside {@code text} (a shell command line) by its host path. */
    private String mapAll(JsonNode container, String text) {
        String out = text;
        for (JsonNode m : container.path("volumeMounts")) {
            String mp = m.path("mountPath").asText();
            out = out.replace(mp + "/", volume(m.path("name").asText()) + "/");
        }
        return out;
    }

    /** Starts an agent container of the pod as a local process. */
    BrokerProcess start(String list, String name, Map<String, String> extraEnv) throws Exception {
        JsonNode c = container(list, name);
        if (!c.path("command").get(0).asText().equals(AGENT_COMMAND)) {
            throw new AssertionError(name + " does not run the agent: " + c.path("command"));
        }
        Map<String, String> env = new LinkedHashMap<>(extraEnv);
        for (JsonNode e : c.path("env")) {
            String value = e.path("value").asText();
            if (e.path("name").asText().equals("CUSTOS_AGENT_CONFIG")) {
                JsonNode config = JSON.readTree(Base64.getDecoder().decode(value));
                value = Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(mapStrings(c, config)));
            }
            env.put(e.path("name").asText(), value);
        }
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        return BrokerProcess.startAgent(args, env, root);
    }

    private JsonNode mapStrings(JsonNode container, JsonNode n) {
        if (n.isTextual()) {
            return TextNode.valueOf(map(container, n.asText()));
        }
        if (n.isObject()) {
            ObjectNode o = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                o.set(e.getKey(), mapStrings(container, e.getValue()));
            }
            return o;
        }
        if (n.isArray()) {
            var a = JSON.createArrayNode();
            n.forEach(x -> a.add(mapStrings(container, x)));
            return a;
        }
        return n;
    }

    /** Runs a container's startup probe (an exec probe) once, as the kubelet would; whether it passed. */
    boolean probe(String list, String name) throws Exception {
        JsonNode c = container(list, name);
        List<String> cmd = new ArrayList<>();
        c.path("startupProbe").path("exec").path("command").forEach(x -> cmd.add(mapAll(c, x.asText())));
        if (cmd.isEmpty()) {
            throw new AssertionError(name + " has no exec startup probe");
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor() == 0;
    }

    /** A file as the application container {@code app} sees it ("" when absent). */
    String read(String app, String path) throws Exception {
        Path p = hostPath(container("containers", app), path);
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    static Map<String, String> none() {
        return new HashMap<>();
    }
}
