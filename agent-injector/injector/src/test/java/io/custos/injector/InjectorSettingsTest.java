package io.custos.injector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every setting from a flag, else the environment, else the -config file, else its default. */
class InjectorSettingsTest {
    @TempDir
    Path dir;

    private InjectorMain parsed(String... args) {
        InjectorMain m = new InjectorMain();
        new CommandLine(m).parseArgs(args);
        return m;
    }

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFile() throws Exception {
        Path file = dir.resolve("injector.yml");
        Files.writeString(file, """
                tls-cert-file: /file/tls.crt
                tls-key-file: /file/tls.key
                custos-address: https://from-file:8200
                agent-image: from-file/agent:1
                native-sidecar: "false"
                run-as-user: 2000
                """);
        InjectorSettings s = parsed("-config=" + file, "-agent-image=from-flag/agent:2").settings(Map.of(
                "CUSTOS_INJECTOR_CUSTOS_ADDRESS", "https://from-env:8200", "CUSTOS_INJECTOR_NAMESPACE", "secrets"));
        assertEquals("from-flag/agent:2", s.agentImage());
        assertEquals("https://from-env:8200", s.custosAddress());
        assertEquals("/file/tls.crt", s.tlsCertFile());
        assertEquals(2000, s.runAsUser());
        assertEquals(1000, s.runAsGroup(), "default");
        assertEquals("0.0.0.0:8443", s.listenAddress(), "default");
        assertFalse(s.nativeSidecar());
        assertTrue(s.skipsNamespace("secrets"), "its own namespace");
        assertTrue(s.skipsNamespace("kube-system"));
    }

    @Test
    void requiredSettingsAndVersionsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parsed("-tls-cert-file=a", "-tls-key-file=b", "-agent-image=i").settings(Map.of()));
        assertTrue(e.getMessage().contains("-custos-address is required"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parsed("-tls-cert-file=a", "-tls-key-file=b",
                "-agent-image=i", "-custos-address=https://c", "-run-as-user=0").settings(Map.of()), "never root");
        assertTrue(InjectorMain.supportsNativeSidecars("1.29", Map.of()));
        assertTrue(InjectorMain.supportsNativeSidecars("v1.31.2", Map.of()));
        assertFalse(InjectorMain.supportsNativeSidecars("1.28", Map.of()));
        assertFalse(InjectorMain.supportsNativeSidecars(null, Map.of()), "unknown (no API server): legacy");
        assertThrows(IllegalArgumentException.class, () -> InjectorMain.supportsNativeSidecars("latest", Map.of()));
    }

    /** -native-sidecar=auto asks the API server's /version once, with the pod's token, trusting the cluster CA. */
    @Test
    void theClusterVersionComesFromTheApiServer() throws Exception {
        TestCertificates.write(dir.resolve("api.crt"), dir.resolve("api.key"));
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(new KeyManager[] {new ReloadingKeyManager(dir.resolve("api.crt"), dir.resolve("api.key"))},
                null, null);
        HttpsServer api = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        api.setHttpsConfigurator(new HttpsConfigurator(tls));
        api.createContext("/version", ex -> {
            boolean ok = "Bearer sa-token".equals(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = (ok ? "{\"major\": \"1\", \"minor\": \"30+\", \"gitVersion\": \"v1.30.2-gke.1\"}"
                    : "{\"kind\":\"Status\",\"code\":401}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ok ? 200 : 401, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        api.start();
        try {
            Files.writeString(dir.resolve("ca.crt"), Files.readString(dir.resolve("api.crt")));
            Files.writeString(dir.resolve("token"), "sa-token\n");
            URI uri = URI.create("https://localhost:" + api.getAddress().getPort());
            assertEquals("1.30", InjectorMain.askApiServer(uri, dir.resolve("token"), dir.resolve("ca.crt")));
            Files.writeString(dir.resolve("token"), "stolen");
            assertNull(InjectorMain.askApiServer(uri, dir.resolve("token"), dir.resolve("ca.crt")));
            TestCertificates.write(dir.resolve("other.crt"), dir.resolve("other.key"));
            Files.writeString(dir.resolve("token"), "sa-token");
            assertNull(InjectorMain.askApiServer(uri, dir.resolve("token"), dir.resolve("other.crt")),
                    "an API server the cluster CA did not certify is not believed");
        } finally {
            api.stop(0);
        }
    }
}
