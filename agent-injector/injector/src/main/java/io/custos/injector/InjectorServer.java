package io.custos.injector;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The webhook over HTTPS (TLS 1.3 only): {@code POST /mutate} (AdmissionReview), {@code GET /healthz},
 * {@code GET /metrics} (Prometheus text). The certificate and key are re-read when their files change.
 */
final class InjectorServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(InjectorServer.class.getName());
    /** The API server sends at most ~3 MiB; a larger body is refused unread. */
    static final int MAX_BODY = 4 << 20;

    private final HttpsServer server;
    private final ExecutorService executor;
    private final AdmissionController controller;
    private final ReloadingKeyManager keys;
    private final AtomicLong reviewNanos = new AtomicLong();
    private final AtomicLong reviews = new AtomicLong();

    InjectorServer(InjectorSettings settings) throws IOException, GeneralSecurityException {
        this.controller = new AdmissionController(settings);
        this.keys = new ReloadingKeyManager(Path.of(settings.tlsCertFile()), Path.of(settings.tlsKeyFile()));
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(new KeyManager[] {keys}, null, new SecureRandom());
        String address = settings.listenAddress();
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("-listen-address must be HOST:PORT, not " + address);
        }
        String host = address.substring(0, colon);
        InetSocketAddress bind = new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host,
                Integer.parseInt(address.substring(colon + 1)));
        server = HttpsServer.create(bind, 128);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3"});
                params.setSSLParameters(p);
            }
        });
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "custos-injector");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/mutate", this::mutate);
        server.createContext("/healthz", ex -> {
            drain(ex);
            respond(ex, ex.getRequestMethod().equals("GET") ? 200 : 405, "ok\n", "text/plain");
        });
        server.createContext("/metrics", ex -> {
            drain(ex);
            respond(ex, ex.getRequestMethod().equals("GET") ? 200 : 405, metrics(), "text/plain; version=0.0.4");
        });
        server.createContext("/", ex -> {
            drain(ex);
            respond(ex, 404, "{\"errors\":[\"not found\"]}", "application/json");
        });
    }

    void start() {
        server.start();
        LOG.info("custos injector listening on https://" + server.getAddress().getHostString() + ":" + port()
                + " (TLS 1.3)");
    }

    int port() {
        return server.getAddress().getPort();
    }

    AdmissionController controller() {
        return controller;
    }

    private void mutate(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        try {
            if (!ex.getRequestMethod().equals("POST")) {
                drain(ex);
                respond(ex, 405, "{\"errors\":[\"POST an AdmissionReview\"]}", "application/json");
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                respond(ex, 413, "{\"errors\":[\"the AdmissionReview exceeds 4 MiB\"]}", "application/json");
                return;
            }
            byte[] answer;
            try {
                answer = controller.review(body);
            } catch (AdmissionController.BadReview e) {
                respond(ex, 400, "{\"errors\":[\"" + e.getMessage() + "\"]}", "application/json");
                return;
            }
            respond(ex, 200, answer, "application/json");
        } catch (RuntimeException e) {
            LOG.severe("review failed: " + e);
            respond(ex, 500, "{\"errors\":[\"internal error\"]}", "application/json");
        } finally {
            reviews.incrementAndGet();
            reviewNanos.addAndGet(System.nanoTime() - start);
        }
    }

    private String metrics() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP custos_injector_reviews_total AdmissionReviews answered, by outcome.\n");
        b.append("# TYPE custos_injector_reviews_total counter\n");
        for (AdmissionController.Outcome o : AdmissionController.Outcome.values()) {
            b.append("custos_injector_reviews_total{outcome=\"").append(o.name().toLowerCase(Locale.ROOT))
                    .append("\"} ").append(controller.count(o)).append('\n');
        }
        b.append("# HELP custos_injector_review_seconds Time spent answering reviews.\n");
        b.append("# TYPE custos_injector_review_seconds summary\n");
        b.append("custos_injector_review_seconds_sum ").append(reviewNanos.get() / 1e9).append('\n');
        b.append("custos_injector_review_seconds_count ").append(reviews.get()).append('\n');
        b.append("# HELP custos_injector_certificate_expiry_seconds Unix time the serving certificate expires.\n");
        b.append("# TYPE custos_injector_certificate_expiry_seconds gauge\n");
        b.append("custos_injector_certificate_expiry_seconds ")
                .append(keys.certificate().getNotAfter().getTime() / 1000).append('\n');
        return b.toString();
    }

    /** Reads what body there is (up to MAX_BODY). Not skip(): over TLS the JDK's skip reads past the body. */
    private static void drain(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[8192];
            long total = 0;
            for (int n = in.read(buf); n > 0 && total < MAX_BODY; n = in.read(buf)) {
                total += n;
            }
        }
    }

    private static void respond(HttpExchange ex, int status, String body, String type) throws IOException {
        respond(ex, status, body.getBytes(StandardCharsets.UTF_8), type);
    }

    private static void respond(HttpExchange ex, int status, byte[] bytes, String type) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
