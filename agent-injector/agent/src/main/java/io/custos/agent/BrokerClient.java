package io.custos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The agent's HTTP(S) client for the broker (Vault's API): TLS from {@code vault { ... }} (CA file or
 * directory, client certificate, server name, skip-verify), the token in {@code X-Vault-Token},
 * Vault's envelope decoded. The token is never logged; {@code toString} shows none.
 */
public final class BrokerClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response: status, body (possibly null) and the errors Vault puts in {@code errors}. */
    public record Reply(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String errors() {
            if (body == null || !body.has("errors")) {
                return "";
            }
            List<String> out = new ArrayList<>();
            body.get("errors").forEach(e -> out.add(e.asText()));
            return String.join("; ", out);
        }
    }

    /** The broker answered with an error status (the message is Vault's errors, never a secret). */
    public static final class ApiException extends IOException {
        private final int status;

        ApiException(String method, String path, Reply r) {
            super(method + " " + path + ": " + r.status() + (r.errors().isEmpty() ? "" : " " + r.errors()));
            this.status = r.status();
        }

        public int status() {
            return status;
        }
    }

    private final String address;
    private final HttpClient http;
    private volatile String token;

    public BrokerClient(AgentConfig.Vault config) {
        this.address = config.address().endsWith("/") ? config.address().substring(0, config.address().length() - 1)
                : config.address();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (address.startsWith("https://")) {
            try {
                b.sslContext(sslContext(config));
                SSLParameters params = new SSLParameters();
                params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                if (config.tlsServerName() != null && !config.tlsServerName().isEmpty()) {
                    params.setServerNames(List.of(new javax.net.ssl.SNIHostName(config.tlsServerName())));
                }
                b.sslParameters(params);
            } catch (GeneralSecurityException | IOException e) {
                throw new ConfigException("vault TLS settings are unusable: " + e.getMessage());
            }
        }
        this.http = b.build();
    }

    public void setToken(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public String address() {
        return address;
    }

    @Override
    public String toString() {
        return "BrokerClient[" + address + "]";
    }

    public Reply call(String method, String path, Object body, Map<String, String> headers) throws IOException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (body != null) {
            rb.header("Content-Type", "application/json");
        }
        if (token != null && !token.isEmpty()) {
            rb.header("X-Vault-Token", token);
        }
        rb.header("X-Vault-Request", "true");
        headers.forEach(rb::header);
        try {
            HttpResponse<byte[]> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? null : JSON.readTree(r.body());
            return new Reply(r.statusCode(), json);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** A call that must succeed: an error status is an {@link ApiException}. */
    public JsonNode request(String method, String path, Object body) throws IOException {
        Reply r = call(method, path, body, Map.of());
        if (!r.ok()) {
            throw new ApiException(method, path, r);
        }
        return r.body();
    }

    // ---- TLS

    private static SSLContext sslContext(AgentConfig.Vault c) throws GeneralSecurityException, IOException {
        TrustManager[] trust;
        if (c.tlsSkipVerify()) {
            trust = new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }};
        } else if (c.caCert() != null || c.caPath() != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            List<Path> files = new ArrayList<>();
            if (c.caCert() != null) {
                files.add(Path.of(c.caCert()));
            }
            if (c.caPath() != null) {
                try (Stream<Path> s = Files.list(Path.of(c.caPath()))) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
            }
            for (Path f : files) {
                for (Certificate cert : CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(f)))) {
                    ks.setCertificateEntry("ca" + i++, cert);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            trust = tmf.getTrustManagers();
        } else {
            trust = null;
        }
        javax.net.ssl.KeyManager[] keys = null;
        if (c.clientCert() != null && c.clientKey() != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            List<Certificate> chain = new ArrayList<>();
            try (InputStream in = Files.newInputStream(Path.of(c.clientCert()))) {
                chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            PrivateKey key = pkcs8Key(Files.readString(Path.of(c.clientKey())), chain.get(0).getPublicKey()
                    .getAlgorithm());
            ks.setKeyEntry("client", key, new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            keys = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, trust, new SecureRandom());
        return ctx;
    }

    /** A PEM "PRIVATE KEY" (PKCS#8, what Custos's PKI issues with private_key_format=pkcs8). */
    static PrivateKey pkcs8Key(String pem, String algorithm) throws GeneralSecurityException {
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        if (pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new GeneralSecurityException("client_key must be PKCS#8 (BEGIN PRIVATE KEY)");
        }
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                .decode(body)));
    }

    /**
     * Vault's {@code data} as consul-template sees it: objects as maps (keys kept in order),
     * numbers as their literal text (Go's {@code json.Number}), null as nil.
     */
    public static Object toTemplateValue(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), toTemplateValue(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(toTemplateValue(e)));
            return l;
        }
        if (n.isNumber()) {
            return new JsonNumber(n.asText());
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.asText();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
