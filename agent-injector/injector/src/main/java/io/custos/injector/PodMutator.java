package io.custos.injector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Puts the agent into a pod: volumes (secrets on in-memory emptyDirs, the agent's home, the
 * projected service-account token with the broker's audience, the TLS Secret), the secrets'
 * mounts in the application's containers, and the agent containers — hardened (non-root, read-only
 * root file system, no capabilities, RuntimeDefault seccomp).
 *
 * <p>The shape:
 * <ul>
 * <li><b>native sidecar</b> (Kubernetes 1.29+, the default there): one init container with
 * {@code restartPolicy: Always} whose startup probe passes once every file exists — the app starts
 * after its secrets, with one login and one set of credentials; Kubernetes stops it when a Job's
 * containers end;
 * <li><b>legacy</b>: an init container that renders once and leaves the hand-off state, and a
 * sidecar that adopts it (one database user per pod); pods of Jobs (or with restartPolicy Never or
 * OnFailure) get the init container only, so they complete;
 * <li>{@code agent-pre-populate-only}: the init container only; {@code agent-pre-populate: false}:
 * no wait for the first render.
 * </ul>
 */
final class PodMutator {
    static final String AGENT = "custos-agent";
    static final String AGENT_INIT = "custos-agent-init";
    static final String SECRETS_VOLUME = "custos-secrets";
    static final String HOME_VOLUME = "custos-home";
    static final String HOME_INIT_VOLUME = "custos-home-init";
    static final String TOKEN_VOLUME = "custos-token";
    static final String TLS_VOLUME = "custos-tls";
    static final String AGENT_COMMAND = "/opt/custos/bin/custos-agent";
    static final String CONFIG_ENV = "CUSTOS_AGENT_CONFIG";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A pod the injector cannot inject as asked (a mount path taken, a config the agent refuses). */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private PodMutator() {
    }

    /** Whether a pod already carries the agent (a second review changes nothing). */
    static boolean hasAgent(JsonNode pod) {
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : pod.path("spec").path(list)) {
                String name = c.path("name").asText();
                if (name.equals(AGENT) || name.equals(AGENT_INIT)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A pod that must run to completion: owned by a Job (a CronJob's pods are), or restartPolicy Never/OnFailure. */
    static boolean runsToCompletion(JsonNode pod) {
        for (JsonNode owner : pod.path("metadata").path("ownerReferences")) {
            if (owner.path("kind").asText().equals("Job")) {
                return true;
            }
        }
        String policy = pod.path("spec").path("restartPolicy").asText("Always");
        return policy.equals("Never") || policy.equals("OnFailure");
    }

    /** The injected pod (a new tree; {@code pod} is not changed). */
    static ObjectNode mutate(JsonNode pod, Annotations.Injection in, InjectorSettings settings) throws Refused {
        ObjectNode out = pod.deepCopy();
        ObjectNode spec = obj(out, "spec");
        boolean completes = runsToCompletion(pod);
        boolean nativeSidecar = settings.nativeSidecar() && !in.prePopulateOnly();
        boolean initOnly = !nativeSidecar && (in.prePopulateOnly() || completes);
        boolean legacyInit = !nativeSidecar && (in.prePopulate() || initOnly);
        boolean separateHomes = legacyInit && !initOnly && !in.cacheEnable();

        List<String> mountPaths = in.mountPaths();
        addVolumes(array(spec, "volumes"), mountPaths.size(), separateHomes, in, settings);

        // the application's containers read the secrets
        for (JsonNode c : spec.path("containers")) {
            if (in.containers() == null || in.containers().contains(c.path("name").asText())) {
                addSecretMounts((ObjectNode) c, mountPaths, true);
            }
        }

        ArrayNode inits = array(spec, "initContainers");
        if (nativeSidecar) {
            ObjectNode sidecar = agent(AGENT, in, settings, false, HOME_VOLUME, mountPaths);
            sidecar.put("restartPolicy", "Always");
            if (in.prePopulate()) {
                sidecar.set("startupProbe", startupProbe(in));
            }
            place(inits, sidecar, in.initFirst());
        } else {
            if (legacyInit) {
                place(inits, agent(AGENT_INIT, in, settings, true, separateHomes ? HOME_INIT_VOLUME : HOME_VOLUME,
                        mountPaths), in.initFirst());
            }
            if (!initOnly) {
                array(spec, "containers").add(agent(AGENT, in, settings, false, HOME_VOLUME, mountPaths));
            }
        }
        if (in.initFirst()) {
            for (JsonNode c : inits) {
                String name = c.path("name").asText();
                if (!name.equals(AGENT) && !name.equals(AGENT_INIT)) {
                    addSecretMounts((ObjectNode) c, mountPaths, true);
                }
            }
        }
        if (inits.isEmpty()) {
            spec.remove("initContainers");
        }
        obj(obj(out, "metadata"), "annotations").put(in.family().key(Annotations.STATUS), "injected");
        return out;
    }

    /** The secrets volumes, the agent's home (and the init container's), the token and the TLS Secret. */
    private static void addVolumes(ArrayNode volumes, int secretVolumes, boolean separateHomes,
            Annotations.Injection in, InjectorSettings settings) throws Refused {
        Set<String> taken = new HashSet<>();
        volumes.forEach(v -> taken.add(v.path("name").asText()));
        for (int i = 0; i < secretVolumes; i++) {
            volumes.add(memoryVolume(secretsVolume(i), taken));
        }
        volumes.add(memoryVolume(HOME_VOLUME, taken));
        if (separateHomes) {
            volumes.add(memoryVolume(HOME_INIT_VOLUME, taken));
        }
        ObjectNode token = volume(TOKEN_VOLUME, taken);
        ObjectNode sat = obj(token, "projected").putArray("sources").addObject().putObject("serviceAccountToken");
        sat.put("audience", settings.tokenAudience());
        sat.put("expirationSeconds", 3600);
        sat.put("path", "token");
        volumes.add(token);
        if (in.tlsSecret() != null) {
            ObjectNode tls = volume(TLS_VOLUME, taken);
            obj(tls, "secret").put("secretName", in.tlsSecret()).put("defaultMode", 0400);
            volumes.add(tls);
        }
    }

    private static String secretsVolume(int i) {
        return i == 0 ? SECRETS_VOLUME : SECRETS_VOLUME + "-" + i;
    }

    private static void place(ArrayNode inits, ObjectNode container, boolean first) {
        if (first) {
            inits.insert(0, container);
        } else {
            inits.add(container);
        }
    }

    private static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        return n instanceof ObjectNode o ? o : parent.putObject(field);
    }

    private static ArrayNode array(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        return n instanceof ArrayNode a ? a : parent.putArray(field);
    }

    private static ObjectNode volume(String name, Set<String> taken) throws Refused {
        if (!taken.add(name)) {
            throw new Refused("the pod already has a volume named " + name);
        }
        ObjectNode v = JSON.createObjectNode();
        v.put("name", name);
        return v;
    }

    private static ObjectNode memoryVolume(String name, Set<String> taken) throws Refused {
        ObjectNode v = volume(name, taken);
        obj(v, "emptyDir").put("medium", "Memory");
        return v;
    }

    private static void addSecretMounts(ObjectNode container, List<String> mountPaths, boolean readOnly) throws Refused {
        ArrayNode mounts = array(container, "volumeMounts");
        for (JsonNode m : mounts) {
            if (mountPaths.contains(m.path("mountPath").asText())) {
                throw new Refused("container " + container.path("name").asText() + " already mounts something at "
                        + m.path("mountPath").asText() + ", where the secrets go (set secret-volume-path)");
            }
        }
        for (int i = 0; i < mountPaths.size(); i++) {
            ObjectNode m = mounts.addObject();
            m.put("name", secretsVolume(i));
            m.put("mountPath", mountPaths.get(i));
            if (readOnly) {
                m.put("readOnly", true);
            }
        }
    }

    /** Passes once every secret file exists (files are renamed into place whole). */
    private static ObjectNode startupProbe(Annotations.Injection in) {
        List<String> tests = new ArrayList<>();
        for (Annotations.SecretFile s : in.secrets()) {
            tests.add("test -e '" + s.destination().replace("'", "'\\''") + "'");
        }
        ObjectNode probe = JSON.createObjectNode();
        ArrayNode cmd = obj(probe, "exec").putArray("command");
        cmd.add("/bin/sh").add("-c").add(tests.isEmpty() ? "test -e " + AgentConfigs.HOME + "/.custos-token"
                : String.join(" && ", tests));
        probe.put("periodSeconds", 1);
        probe.put("failureThreshold", 600);
        probe.put("timeoutSeconds", 1);
        return probe;
    }

    private static ObjectNode agent(String name, Annotations.Injection in, InjectorSettings settings, boolean init,
            String home, List<String> mountPaths) throws Refused {
        String config;
        try {
            config = JSON.writeValueAsString(AgentConfigs.config(in, init));
        } catch (JsonProcessingException e) {
            throw new Refused("the agent configuration cannot be written: " + e.getOriginalMessage());
        }
        String problem = AgentConfigs.problem(config);
        if (problem != null) {
            throw new Refused("the agent would refuse its configuration: " + problem);
        }
        ObjectNode c = JSON.createObjectNode();
        c.put("name", name);
        c.put("image", in.image());
        c.putArray("command").add(AGENT_COMMAND);
        c.putArray("args").add("agent").add("-config-env=" + CONFIG_ENV);
        ArrayNode env = c.putArray("env");
        env.addObject().put("name", CONFIG_ENV).put("value",
                Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)));
        env.addObject().put("name", "CUSTOS_LOG_LEVEL").put("value", in.logLevel());
        ObjectNode res = obj(c, "resources");
        obj(res, "limits").put("cpu", in.resources().limitsCpu()).put("memory", in.resources().limitsMem());
        obj(res, "requests").put("cpu", in.resources().requestsCpu()).put("memory", in.resources().requestsMem());
        ObjectNode sc = obj(c, "securityContext");
        sc.put("runAsUser", in.runAsUser());
        sc.put("runAsGroup", in.runAsGroup());
        sc.put("runAsNonRoot", true);
        sc.put("readOnlyRootFilesystem", true);
        sc.put("allowPrivilegeEscalation", false);
        obj(sc, "capabilities").putArray("drop").add("ALL");
        obj(sc, "seccompProfile").put("type", "RuntimeDefault");
        ArrayNode mounts = c.putArray("volumeMounts");
        for (int i = 0; i < mountPaths.size(); i++) {
            mounts.addObject().put("name", secretsVolume(i)).put("mountPath", mountPaths.get(i));
        }
        mounts.addObject().put("name", home).put("mountPath", AgentConfigs.HOME);
        mounts.addObject().put("name", TOKEN_VOLUME).put("mountPath", AgentConfigs.TOKEN_DIR).put("readOnly", true);
        if (in.tlsSecret() != null) {
            mounts.addObject().put("name", TLS_VOLUME).put("mountPath", in.tlsRoot()).put("readOnly", true);
        }
        return c;
    }
}
