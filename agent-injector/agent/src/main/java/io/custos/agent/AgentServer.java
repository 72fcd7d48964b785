package io.custos.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The agent's {@code listener "tcp"}: {@code GET /agent/v1/status} (per template: destination,
 * last render, leases, next action and when, last error, failures), {@code POST /agent/v1/quit}
 * (Vault Agent's, for Jobs; with {@code agent_api { enable_quit = true }}) and
 * {@code GET /agent/v1/metrics} (Prometheus text). TLS 1.3 unless {@code tls_disable}.
 */
final class AgentServer implements AutoCloseable {
    private final HttpServer server;

    AgentServer(AgentConfig.Listener listener, Agent agent) throws IOException {
        String address = listener.address();
        int colon = address.lastIndexOf(':');
        InetSocketAddress bind = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        if (listener.tlsDisable()) {
            server = HttpServer.create(bind, 16);
        } else {
            HttpsServer https = HttpsServer.create(bind, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls(listener)) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setProtocols(new String[] {"TLSv1.3"});
                    params.setSSLParameters(p);
                }
            });
            server = https;
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "custos-agent-listener");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/agent/v1/status", ex -> {
            if (!ex.getRequestMethod().equals("GET")) {
                respond(ex, 405, "{\"errors\":[\"GET only\"]}", "application/json");
                return;
            }
            respond(ex, 200, new String(Json.write(agent.status()), StandardCharsets.UTF_8), "application/json");
        });
        server.createContext("/agent/v1/metrics", ex -> respond(ex, 200, agent.metrics(), "text/plain; version=0.0.4"));
        server.createContext("/agent/v1/quit", ex -> {
            if (!listener.enableQuit()) {
                respond(ex, 404, "{\"errors\":[\"the quit endpoint is off: set agent_api { enable_quit = true }\"]}",
                        "application/json");
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                respond(ex, 405, "{\"errors\":[\"POST only\"]}", "application/json");
                return;
            }
            respond(ex, 204, "", "application/json");
            agent.stop();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, status == 204 ? -1 : bytes.length);
        if (status != 204) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    private static SSLContext tls(AgentConfig.Listener l) throws IOException {
        try {
            List<Certificate> chain = new ArrayList<>();
            try (InputStream in = Files.newInputStream(Path.of(l.tlsCertFile()))) {
                chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("agent", BrokerClient.pkcs8Key(Files.readString(Path.of(l.tlsKeyFile())),
                    chain.get(0).getPublicKey().getAlgorithm()), new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new ConfigException("listener TLS: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
