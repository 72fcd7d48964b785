package io.custos.engine.auth;

import io.custos.engine.sdk.EngineException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Calls auth methods make to identity providers (JWKS, OIDC discovery, the Kubernetes API):
 * https only, trust pinned to the CA an operator configured (else the JVM's trust store), bounded
 * time and a bounded response body, so a hostile or broken provider cannot exhaust the broker.
 */
public final class OutboundHttps {
    /** The largest response read from a provider (a JWKS or discovery document is a few KiB). */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient DEFAULT = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

    /** A response: status, headers and a body of at most {@link #MAX_BODY_BYTES}. */
    public record Reply(int status, HttpHeaders headers, byte[] body) {
    }

    private OutboundHttps() {
    }

    /** Refuses anything but an absolute https URL, naming the setting. */
    public static String requireHttps(String url, String field) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest(field + " is not a valid URL");
        }
        if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("https") || uri.getHost() == null) {
            throw EngineException.badRequest(field + " must be an https:// URL");
        }
        return uri.toString();
    }

    /** A client trusting only the certificates in {@code caPem} (blank: the JVM's trust store). */
    public static HttpClient client(String caPem, String field) {
        if (caPem == null || caPem.isBlank()) {
            return DEFAULT;
        }
        return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).sslContext(trust(caPem, field)).build();
    }

    public static Reply get(HttpClient client, String url) throws IOException, InterruptedException {
        return send(client, HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    public static Reply send(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw EngineException.badRequest("the response from " + request.uri().getHost() + " is larger than "
                        + MAX_BODY_BYTES + " bytes");
            }
            return new Reply(r.statusCode(), r.headers(), body);
        }
    }

    private static SSLContext trust(String pem, String field) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw EngineException.badRequest(field + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw EngineException.badRequest(field + " is not a PEM certificate");
        }
    }
}
