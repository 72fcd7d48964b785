package io.custos.injector;

import io.custos.agent.JsonLogFormatter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code custos injector}: the mutating admission webhook. Every setting comes from a flag, else the
 * environment ({@code CUSTOS_INJECTOR_LISTEN_ADDRESS} for {@code -listen-address}, ...), else the
 * {@code -config} file (YAML, the flags' names as keys), else its default.
 */
@Command(name = "custos injector", mixinStandardHelpOptions = true,
        description = "Runs the mutating admission webhook that injects the Custos agent into annotated pods.")
public final class InjectorMain implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(InjectorMain.class.getName());
    private static final String SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

    @Option(names = "-config", paramLabel = "FILE", description = "A YAML file with any of the settings below (keys: the flags' names).")
    Path config;
    @Option(names = "-listen-address", paramLabel = "HOST:PORT", description = "Where to serve HTTPS (default 0.0.0.0:8443).")
    String listenAddress;
    @Option(names = "-tls-cert-file", paramLabel = "FILE", description = "The webhook's certificate (PEM; re-read when it changes).")
    String tlsCertFile;
    @Option(names = "-tls-key-file", paramLabel = "FILE", description = "Its key (PEM: PKCS#8, PKCS#1 or SEC1).")
    String tlsKeyFile;
    @Option(names = "-custos-address", paramLabel = "URL", description = "The broker, as agents reach it (custos.io/service overrides).")
    String custosAddress;
    @Option(names = "-agent-image", paramLabel = "IMAGE", description = "The agent's image (custos.io/agent-image overrides).")
    String agentImage;
    @Option(names = "-namespace", paramLabel = "NAME", description = "The injector's own namespace, never injected (default: the pod's).")
    String namespace;
    @Option(names = "-native-sidecar", paramLabel = "auto|true|false",
            description = "Inject a native sidecar (Kubernetes 1.29+); auto asks the API server once at start.")
    String nativeSidecar;
    @Option(names = "-kubernetes-version", paramLabel = "1.N", description = "The cluster's version, instead of asking the API server.")
    String kubernetesVersion;
    @Option(names = "-token-audience", paramLabel = "AUD", description = "Audience of the agent's service-account token (default custos).")
    String tokenAudience;
    @Option(names = "-run-as-user", paramLabel = "UID", description = "The agent's user (default 100).")
    String runAsUser;
    @Option(names = "-run-as-group", paramLabel = "GID", description = "The agent's group (default 1000).")
    String runAsGroup;
    @Option(names = "-ca-cert", paramLabel = "PATH", description = "CA certificate path inside the agent container, for the broker's TLS.")
    String caCert;
    @Option(names = "-revoke-on-shutdown", paramLabel = "true|false", description = "Agents revoke their leases when they stop.")
    String revokeOnShutdown;

    private Map<String, Object> file = Map.of();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String formatProblem = JsonLogFormatter.apply(System.getenv().getOrDefault("CUSTOS_LOG_FORMAT",
                System.getenv("VAULT_LOG_FORMAT")));
        if (formatProblem != null) {
            System.err.println("custos injector: " + formatProblem);
            return 1;
        }
        String[] rest = args.length > 0 && args[0].equals("injector") ? Arrays.copyOfRange(args, 1, args.length)
                : args;
        return new CommandLine(new InjectorMain()).execute(rest);
    }

    @Override
    public Integer call() throws Exception {
        InjectorSettings settings;
        try {
            settings = settings(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("custos injector: " + e.getMessage());
            return 2;
        }
        InjectorServer server = new InjectorServer(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "custos-injector-shutdown"));
        server.start();
        LOG.info("injecting " + (settings.nativeSidecar() ? "native sidecars" : "init containers and sidecars")
                + " with " + settings.agentImage() + " for " + settings.custosAddress());
        stopped.await();
        return 0;
    }

    InjectorSettings settings(Map<String, String> env) throws IOException {
        if (config != null) {
            try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
                Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
                if (!(doc instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException(config + " is not a YAML mapping");
                }
                Map<String, Object> f = new LinkedHashMap<>();
                m.forEach((k, v) -> f.put(String.valueOf(k), v));
                file = f;
            }
        }
        String ns = value("namespace", namespace, env, null);
        if (ns == null && Files.isReadable(Path.of(SA_DIR, "namespace"))) {
            ns = Files.readString(Path.of(SA_DIR, "namespace")).strip();
        }
        String tlsCert = required("tls-cert-file", tlsCertFile, env);
        String tlsKey = required("tls-key-file", tlsKeyFile, env);
        String address = required("custos-address", custosAddress, env);
        String image = required("agent-image", agentImage, env);
        String mode = value("native-sidecar", nativeSidecar, env, "auto").toLowerCase(Locale.ROOT);
        boolean nativeSidecars;
        switch (mode) {
            case "true" -> nativeSidecars = true;
            case "false" -> nativeSidecars = false;
            case "auto" -> nativeSidecars = supportsNativeSidecars(value("kubernetes-version", kubernetesVersion, env, null),
                    env);
            default -> throw new IllegalArgumentException("-native-sidecar must be auto, true or false");
        }
        return new InjectorSettings(value("listen-address", listenAddress, env, "0.0.0.0:8443"), tlsCert, tlsKey,
                address, image, ns == null ? "" : ns, nativeSidecars, value("token-audience", tokenAudience, env, "custos"),
                number("run-as-user", runAsUser, env, 100, 1), number("run-as-group", runAsGroup, env, 1000, 0),
                InjectorSettings.DEFAULT_RESOURCES, value("ca-cert", caCert, env, null),
                Boolean.parseBoolean(value("revoke-on-shutdown", revokeOnShutdown, env, "false")));
    }

    private String value(String name, String flag, Map<String, String> env, String fallback) {
        if (flag != null) {
            return flag;
        }
        String e = env.get("CUSTOS_INJECTOR_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (e != null && !e.isEmpty()) {
            return e;
        }
        Object f = file.get(name);
        return f != null ? String.valueOf(f) : fallback;
    }

    private String required(String name, String flag, Map<String, String> env) {
        String v = value(name, flag, env, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("-" + name + " is required (or CUSTOS_INJECTOR_"
                    + name.toUpperCase(Locale.ROOT).replace('-', '_') + ", or " + name + " in -config)");
        }
        return v;
    }

    private long number(String name, String flag, Map<String, String> env, long fallback, long min) {
        String v = value(name, flag, env, null);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < min) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-" + name + " must be a number of at least " + min);
        }
    }

    /** Native sidecars: Kubernetes 1.29+, from -kubernetes-version or the API server's /version, once. */
    static boolean supportsNativeSidecars(String configured, Map<String, String> env) {
        String version = configured;
        if (version == null) {
            version = askApiServer(env);
            if (version == null) {
                LOG.warning("the Kubernetes version is unknown (no -kubernetes-version, API server not reachable): "
                        + "injecting init containers and sidecars");
                return false;
            }
        }
        Matcher m = Pattern.compile("v?(\\d+)\\.(\\d+)").matcher(version.strip());
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("-kubernetes-version \"" + version + "\" is not MAJOR.MINOR");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 1 || minor >= 29;
    }

    private static String askApiServer(Map<String, String> env) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        if (host == null) {
            return null;
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return askApiServer(URI.create("https://" + h + ":" + env.getOrDefault("KUBERNETES_SERVICE_PORT", "443")),
                Path.of(SA_DIR, "token"), Path.of(SA_DIR, "ca.crt"));
    }

    /** GET /version with the pod's service-account token, trusting the cluster's CA; "MAJOR.MINOR" or null. */
    static String askApiServer(URI apiServer, Path token, Path ca) {
        if (!Files.isReadable(token) || !Files.isReadable(ca)) {
            return null;
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(ca)))) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(apiServer.resolve("/version"))
                    .header("Authorization", "Bearer " + Files.readString(token).strip())
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            Matcher major = Pattern.compile("\"major\"\\s*:\\s*\"(\\d+)").matcher(r.body());
            Matcher minor = Pattern.compile("\"minor\"\\s*:\\s*\"(\\d+)").matcher(r.body());
            if (r.statusCode() == 200 && major.find() && minor.find()) {
                LOG.info("the API server runs Kubernetes " + major.group(1) + "." + minor.group(1));
                return major.group(1) + "." + minor.group(1);
            }
        } catch (IOException | GeneralSecurityException e) {
            LOG.warning("asking the API server for its version failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
