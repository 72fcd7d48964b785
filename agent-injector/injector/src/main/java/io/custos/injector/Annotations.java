package io.custos.injector;

import io.custos.agent.ConfigException;
import io.custos.agent.ConfigLoader;
import io.custos.agent.TemplateCheck;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The pod's injection annotations, read and checked: {@code custos.io/...}, with vault-k8s's
 * {@code vault.hashicorp.com/...} accepted as aliases so existing workloads migrate unchanged. Every
 * value is an attacker's until checked here; a bad one is an {@link InvalidAnnotation} naming the
 * annotation, and the pod is refused at admission.
 */
public final class Annotations {
    public static final String CUSTOS = "custos.io/";
    public static final String VAULT = "vault.hashicorp.com/";
    static final String INJECT = "agent-inject";
    static final String STATUS = "agent-inject-status";

    /** Which family the pod uses: it decides the default mount path ({@code /custos/secrets} or {@code /vault/secrets}). */
    public enum Family {
        CUSTOS("custos.io/", "/custos"),
        VAULT("vault.hashicorp.com/", "/vault");

        final String prefix;
        final String root;

        Family(String prefix, String root) {
            this.prefix = prefix;
            this.root = root;
        }

        String key(String suffix) {
            return prefix + suffix;
        }
    }

    /** A refused annotation: the message names it. */
    public static final class InvalidAnnotation extends Exception {
        InvalidAnnotation(String message) {
            super(message);
        }
    }

    private static final Set<String> EXACT = Set.of(INJECT, STATUS, "role", "auth-path", "auth-type",
            "agent-inject-default-template", "secret-volume-path", "agent-pre-populate", "agent-pre-populate-only",
            "agent-init-first", "agent-inject-containers", "agent-run-as-user", "agent-run-as-group",
            "agent-limits-cpu", "agent-limits-mem", "agent-requests-cpu", "agent-requests-mem",
            "agent-revoke-on-shutdown", "agent-enable-quit", "agent-cache-enable",
            "template-static-secret-render-interval", "service", "tls-secret", "ca-cert", "tls-server-name",
            "tls-skip-verify", "log-level", "agent-image", "preserve-secret-case",
            // written by vault-k8s itself on pods it saw: harmless here
            "agent-request-namespace");
    private static final List<String> PER_SECRET = List.of("agent-inject-secret-", "agent-inject-template-",
            "agent-inject-file-", "agent-inject-perms-", "agent-inject-command-", "secret-volume-path-");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final Pattern QUANTITY = Pattern.compile(
            "[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.]{0,252})?");
    private static final Pattern AUTH_PATH = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_./-]{0,200}");
    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,200}");
    private static final Set<String> BOOL_TRUE = Set.of("1", "t", "T", "true", "TRUE", "True");
    private static final Set<String> BOOL_FALSE = Set.of("0", "f", "F", "false", "FALSE", "False");
    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    /** One secret file: the agent renders {@code template} (or the default one for {@code path}) into mountPath/file. */
    public record SecretFile(String name, String path, String template, String mountPath, String file, Integer perms,
            String command) {
        String destination() {
            return mountPath + "/" + file;
        }
    }

    /** Resources of the injected containers (Kubernetes quantities). */
    public record Resources(String limitsCpu, String limitsMem, String requestsCpu, String requestsMem) {
    }

    /** Everything the annotations ask for, checked. */
    public record Injection(Family family, String volumePath, String role, String authType, String authPath, List<SecretFile> secrets,
            String defaultTemplate, boolean prePopulate, boolean prePopulateOnly, boolean initFirst,
            Set<String> containers, long runAsUser, long runAsGroup, Resources resources, boolean revokeOnShutdown,
            boolean enableQuit, boolean cacheEnable, Duration staticSecretRenderInterval, String service,
            String tlsSecret, String caCert, String tlsServerName, boolean tlsSkipVerify, String logLevel,
            String image) {
        String tlsRoot() {
            return family.root + "/tls";
        }

        /** The distinct mount paths of the secret files, in order (the volume path when there are none). */
        List<String> mountPaths() {
            Set<String> out = new LinkedHashSet<>();
            if (secrets.isEmpty()) {
                out.add(volumePath);
            }
            secrets.forEach(s -> out.add(s.mountPath()));
            return new ArrayList<>(out);
        }
    }

    private final Map<String, String> values; // suffix -> value
    private final Family family;

    private Annotations(Map<String, String> values, Family family) {
        this.values = values;
        this.family = family;
    }

    /**
     * The injection annotations of a pod (null when it has none under either prefix), with the
     * aliases folded together: the same suffix under both prefixes with different values is refused.
     */
    static Annotations of(Map<String, String> podAnnotations) throws InvalidAnnotation {
        Map<String, String> values = new TreeMap<>();
        Map<String, String> origin = new TreeMap<>();
        for (Map.Entry<String, String> e : podAnnotations.entrySet()) {
            String key = e.getKey();
            String suffix = key.startsWith(CUSTOS) ? key.substring(CUSTOS.length())
                    : key.startsWith(VAULT) ? key.substring(VAULT.length()) : null;
            if (suffix == null) {
                continue;
            }
            String value = e.getValue() == null ? "" : e.getValue();
            String before = values.put(suffix, value);
            if (before != null && !before.equals(value)) {
                throw new InvalidAnnotation(origin.get(suffix) + " and " + key + " disagree; set one of them");
            }
            origin.put(suffix, key);
        }
        if (!values.containsKey(INJECT)) {
            return null;
        }
        Family family = podAnnotations.containsKey(CUSTOS + INJECT) ? Family.CUSTOS : Family.VAULT;
        return new Annotations(values, family);
    }

    Family family() {
        return family;
    }

    /** {@code agent-inject} as Go's ParseBool reads it. */
    boolean wantsInjection() throws InvalidAnnotation {
        return bool(INJECT, false);
    }

    boolean alreadyInjected() {
        return "injected".equals(values.get(STATUS));
    }

    /** Reads and checks every annotation for a pod with these container names. */
    Injection parse(List<String> containerNames, InjectorSettings settings) throws InvalidAnnotation {
        for (String suffix : values.keySet()) {
            if (!EXACT.contains(suffix) && PER_SECRET.stream().noneMatch(suffix::startsWith)) {
                throw new InvalidAnnotation(key(suffix) + " is not an annotation the injector knows");
            }
        }
        String authType = text("auth-type", "kubernetes");
        if (!authType.equals("kubernetes") && !authType.equals("jwt")) {
            throw new InvalidAnnotation(key("auth-type") + " must be kubernetes or jwt (the pod's service-account token)");
        }
        String role = text("role", "");
        if (role.isEmpty()) {
            throw new InvalidAnnotation(key("role") + " is required: the broker role the pod logs in with");
        }
        matches("role", role, ROLE);
        String authPath = authPath(authType);

        String defaultTemplate = text("agent-inject-default-template", "map");
        if (!defaultTemplate.equals("map") && !defaultTemplate.equals("json")) {
            throw new InvalidAnnotation(key("agent-inject-default-template") + " must be map or json");
        }
        String root = absolutePath("secret-volume-path", text("secret-volume-path", family.root + "/secrets"));
        boolean preserveCase = bool("preserve-secret-case", family == Family.CUSTOS);
        List<SecretFile> secrets = secrets(root, preserveCase);

        Set<String> containers = containers(containerNames);
        long user = number("agent-run-as-user", settings.runAsUser(), 1, Integer.MAX_VALUE);
        long group = number("agent-run-as-group", settings.runAsGroup(), 0, Integer.MAX_VALUE);
        Resources resources = new Resources(quantity("agent-limits-cpu", settings.resources().limitsCpu()),
                quantity("agent-limits-mem", settings.resources().limitsMem()),
                quantity("agent-requests-cpu", settings.resources().requestsCpu()),
                quantity("agent-requests-mem", settings.resources().requestsMem()));

        Duration interval = renderInterval();
        String service = service(settings);
        String tlsSecret = text("tls-secret", null);
        if (tlsSecret != null && (tlsSecret.length() > 253 || !DNS_SUBDOMAIN.matcher(tlsSecret).matches())) {
            throw new InvalidAnnotation(key("tls-secret") + " \"" + tlsSecret + "\" is not a Secret name");
        }
        String caCert = values.containsKey("ca-cert") ? absolutePath("ca-cert", values.get("ca-cert")) : settings.caCert();
        String serverName = text("tls-server-name", null);
        if (serverName != null) {
            matches("tls-server-name", serverName, HOST);
        }
        String logLevel = text("log-level", "info").toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(logLevel)) {
            throw new InvalidAnnotation(key("log-level") + " must be one of trace, debug, info, warn, error");
        }
        String image = text("agent-image", settings.agentImage());
        matches("agent-image", image, IMAGE);

        return new Injection(family, root, role, authType, authPath, secrets, defaultTemplate,
                bool("agent-pre-populate", true), bool("agent-pre-populate-only", false),
                bool("agent-init-first", false), containers, user, group, resources,
                bool("agent-revoke-on-shutdown", settings.revokeOnShutdown()), bool("agent-enable-quit", false),
                bool("agent-cache-enable", true), interval, service, tlsSecret, caCert, serverName,
                bool("tls-skip-verify", false), logLevel, image);
    }

    /** auth-path, under auth/ (as vault-k8s takes it with or without the prefix). */
    private String authPath(String authType) throws InvalidAnnotation {
        String authPath = text("auth-path", "auth/" + authType);
        matches("auth-path", authPath, AUTH_PATH);
        if (authPath.contains("..") || authPath.endsWith("/")) {
            throw new InvalidAnnotation(key("auth-path") + " \"" + authPath + "\" is not a mount path");
        }
        return authPath.startsWith("auth/") ? authPath : "auth/" + authPath;
    }

    /** agent-inject-containers: only containers the pod has; null when absent (every container). */
    private Set<String> containers(List<String> containerNames) throws InvalidAnnotation {
        if (!values.containsKey("agent-inject-containers")) {
            return null;
        }
        Set<String> containers = new LinkedHashSet<>();
        for (String c : values.get("agent-inject-containers").split(",")) {
            String name = c.strip();
            if (!containerNames.contains(name)) {
                throw new InvalidAnnotation(key("agent-inject-containers") + " names \"" + name
                        + "\", which is not a container of the pod");
            }
            containers.add(name);
        }
        return containers;
    }

    /** template-static-secret-render-interval: a positive duration, or null when absent. */
    private Duration renderInterval() throws InvalidAnnotation {
        if (!values.containsKey("template-static-secret-render-interval")) {
            return null;
        }
        Duration interval;
        try {
            interval = ConfigLoader.parseDuration(values.get("template-static-secret-render-interval"));
        } catch (ConfigException e) {
            interval = Duration.ZERO;
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new InvalidAnnotation(key("template-static-secret-render-interval")
                    + " must be a positive duration such as 5m");
        }
        return interval;
    }

    /** service: the broker's http(s) address, nothing more (no query, fragment or credentials). */
    private String service(InjectorSettings settings) throws InvalidAnnotation {
        String service = text("service", settings.custosAddress());
        try {
            URI u = new URI(service);
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null
                    || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw new URISyntaxException(service, "not an http(s) address");
            }
        } catch (URISyntaxException e) {
            throw new InvalidAnnotation(key("service") + " \"" + service + "\" is not an http(s):// address");
        }
        return service;
    }

    private List<SecretFile> secrets(String root, boolean preserveCase) throws InvalidAnnotation {
        List<SecretFile> out = new ArrayList<>();
        Set<String> destinations = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : secretPaths().entrySet()) {
            SecretFile s = secretFile(e.getKey(), e.getValue(), root, preserveCase);
            if (!destinations.add(s.destination())) {
                throw new InvalidAnnotation(key("agent-inject-secret-" + e.getKey()) + " renders to " + s.destination()
                        + ", as another secret does");
            }
            out.add(s);
        }
        return out;
    }

    /** agent-inject-secret-NAME: path, by name; every other per-secret annotation must name one of them. */
    private Map<String, String> secretPaths() throws InvalidAnnotation {
        Map<String, String> paths = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith("agent-inject-secret-")) {
                String name = e.getKey().substring("agent-inject-secret-".length());
                if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
                    throw new InvalidAnnotation(key(e.getKey()) + ": \"" + name + "\" is not a usable secret name");
                }
                String path = e.getValue().strip();
                if (path.isEmpty() || path.startsWith("/") || path.contains("..") || !clean(path)) {
                    throw new InvalidAnnotation(key(e.getKey()) + " \"" + e.getValue() + "\" is not a secret path");
                }
                paths.put(name, path);
            }
        }
        for (String suffix : values.keySet()) {
            for (String prefix : PER_SECRET) {
                if (suffix.startsWith(prefix) && !prefix.equals("agent-inject-secret-")
                        && !paths.containsKey(suffix.substring(prefix.length()))) {
                    throw new InvalidAnnotation(key(suffix) + " has no " + key("agent-inject-secret-"
                            + suffix.substring(prefix.length())));
                }
            }
        }
        return paths;
    }

    /** One secret's file: its template (parsed as the agent will), volume, name, mode and command. */
    private SecretFile secretFile(String name, String path, String root, boolean preserveCase) throws InvalidAnnotation {
        String template = values.get("agent-inject-template-" + name);
        if (template != null) {
            if (template.length() > 1 << 20) {
                throw new InvalidAnnotation(key("agent-inject-template-" + name) + " is larger than 1 MiB");
            }
            String problem = TemplateCheck.problem(name, template, "{{", "}}");
            if (problem != null) {
                throw new InvalidAnnotation(key("agent-inject-template-" + name) + " does not parse: " + problem);
            }
        }
        String mount = values.containsKey("secret-volume-path-" + name)
                ? absolutePath("secret-volume-path-" + name, values.get("secret-volume-path-" + name)) : root;
        String file = values.getOrDefault("agent-inject-file-" + name, preserveCase ? name
                : name.toLowerCase(Locale.ROOT)).strip();
        if (file.isEmpty() || file.startsWith("/") || !clean(file) || file.length() > 1024) {
            throw new InvalidAnnotation(key("agent-inject-file-" + name) + " \"" + file
                    + "\" must be a relative path inside the secrets volume");
        }
        Integer perms = null;
        if (values.containsKey("agent-inject-perms-" + name)) {
            String p = values.get("agent-inject-perms-" + name).strip();
            if (!p.matches("0?[0-7]{3}")) {
                throw new InvalidAnnotation(key("agent-inject-perms-" + name) + " \"" + p
                        + "\" must be octal file permissions such as 0400");
            }
            perms = Integer.parseInt(p, 8);
        }
        String command = values.get("agent-inject-command-" + name);
        if (command != null && (command.isBlank() || command.length() > 4096 || command.indexOf('\0') >= 0)) {
            throw new InvalidAnnotation(key("agent-inject-command-" + name) + " must be a command line");
        }
        return new SecretFile(name, path, template, mount, file, perms, command);
    }

    /** No empty, "." or ".." component, no control characters. */
    private static boolean clean(String path) {
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return path.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    private String absolutePath(String suffix, String value) throws InvalidAnnotation {
        String v = value.strip();
        if (v.endsWith("/") && v.length() > 1) {
            v = v.substring(0, v.length() - 1);
        }
        if (!v.startsWith("/") || v.equals("/") || !clean(v.substring(1)) || v.length() > 1024) {
            throw new InvalidAnnotation(key(suffix) + " \"" + value + "\" must be an absolute path");
        }
        return v;
    }

    private String key(String suffix) {
        return family.key(suffix);
    }

    private String text(String suffix, String fallback) throws InvalidAnnotation {
        String v = values.get(suffix);
        if (v == null) {
            return fallback;
        }
        v = v.strip();
        if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidAnnotation(key(suffix) + " contains control characters");
        }
        return v;
    }

    private void matches(String suffix, String value, Pattern p) throws InvalidAnnotation {
        if (!p.matcher(value).matches()) {
            throw new InvalidAnnotation(key(suffix) + " \"" + value + "\" is not valid");
        }
    }

    private boolean bool(String suffix, boolean fallback) throws InvalidAnnotation {
        String v = values.get(suffix);
        if (v == null) {
            return fallback;
        }
        v = v.strip();
        if (BOOL_TRUE.contains(v)) {
            return true;
        }
        if (BOOL_FALSE.contains(v)) {
            return false;
        }
        throw new InvalidAnnotation(key(suffix) + " \"" + v + "\" is not true or false");
    }

    private long number(String suffix, long fallback, long min, long max) throws InvalidAnnotation {
        String v = values.get(suffix);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidAnnotation(key(suffix) + " \"" + v + "\" must be a number from " + min + " to " + max
                    + (min > 0 ? " (the agent never runs as root)" : ""));
        }
    }

    private String quantity(String suffix, String fallback) throws InvalidAnnotation {
        String v = values.get(suffix);
        if (v == null) {
            return fallback;
        }
        v = v.strip();
        if (v.length() > 32 || !QUANTITY.matcher(v).matches()) {
            throw new InvalidAnnotation(key(suffix) + " \"" + v + "\" is not a Kubernetes quantity such as 250m or 64Mi");
        }
        return v;
    }
}
