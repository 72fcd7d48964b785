package io.custos.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URL;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The agent's HTTP(S) client for the broker (Vault's API): TLS from {@code vault { ... }} (CA file or
 * directory, client certificate, server name, skip-verify), the token in {@code X-Vault-Token},
 * Vault's envelope decoded. The token is never logged; {@code toString} shows none.
 *
 * <p>The transport is the JDK's {@link HttpURLConnection} (keep-alive connections reused): the agent
 * makes a handful of requests an hour, and {@code java.net.http} costs some 260 classes and a
 * selector thread for nothing here. {@code LIST} goes as {@code GET ?list=true}, as Vault's own
 * clients send it. A POST is never re-sent by the JDK behind the agent's back (a second
 * {@code pki/issue} or {@code database/creds} would mint a second credential): {@link AgentMain}
 * turns {@code sun.net.http.retryPost} off.
 */
public final class BrokerClient {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 30_000;
    /** Answers larger than this are refused rather than buffered (a broker answer is a few KiB). */
    private static final int MAX_BODY = 16 << 20;

    /** A response: status, body (possibly null) and the errors Vault puts in {@code errors}. */
    public record Reply(int status, Json body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String errors() {
            return body == null ? "" : String.join("; ", body.path("errors").texts());
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
    private final SSLSocketFactory tls;
    private final boolean skipVerify;
    private volatile String token;

    public BrokerClient(AgentConfig.Vault config) {
        this.address = config.address().endsWith("/") ? config.address().substring(0, config.address().length() - 1)
                : config.address();
        if (address.startsWith("https://")) {
            try {
                tls = new ServerNameSocketFactory(sslContext(config).getSocketFactory(), config.tlsServerName());
            } catch (GeneralSecurityException | IOException e) {
                throw new ConfigException("vault TLS settings are unusable: " + e.getMessage());
            }
        } else {
            tls = null;
        }
        this.skipVerify = config.tlsSkipVerify();
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
        boolean list = method.equals("LIST");
        URL url = new URL(address + "/v1/" + path + (list ? (path.contains("?") ? "&" : "?") + "list=true" : ""));
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        try {
            if (c instanceof HttpsURLConnection https) {
                if (tls == null) {
                    throw new IOException("the broker's address is https but TLS was not configured");
                }
                https.setSSLSocketFactory(tls);
                if (skipVerify) {
                    https.setHostnameVerifier((host, session) -> true);
                }
            }
            c.setRequestMethod(list ? "GET" : method);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            if (token != null && !token.isEmpty()) {
                c.setRequestProperty("X-Vault-Token", token);
            }
            c.setRequestProperty("X-Vault-Request", "true");
            c.setRequestProperty("Accept", "application/json");
            headers.forEach(c::setRequestProperty);
            if (body != null) {
                byte[] bytes = Json.write(body);
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(bytes.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(bytes);
                }
            }
            int status = c.getResponseCode();
            byte[] bytes;
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                bytes = in == null ? new byte[0] : readBounded(in);
            }
            return new Reply(status, bytes.length == 0 ? null : parseBody(method, path, status, bytes));
        } catch (IOException e) {
            c.disconnect(); // a connection in an unknown state is not put back for reuse
            throw e;
        }
    }

    private static Json parseBody(String method, String path, int status, byte[] bytes) throws IOException {
        try {
            return Json.parse(bytes);
        } catch (IOException e) {
            throw new IOException(method + " " + path + ": " + status + " with a body that is not JSON");
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new IOException("the broker's answer exceeds " + (MAX_BODY >> 20) + " MiB");
        }
        return bytes;
    }

    /** A call that must succeed: an error status is an {@link ApiException}. */
    public Json request(String method, String path, Object body) throws IOException {
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
            trust = new TrustManager[] {new TrustAll()};
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
        KeyManager[] keys = null;
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

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Sockets for {@code vault { tls_server_name }}: the name goes in SNI and the broker's certificate
     * must be valid for it (and only it), as Vault's {@code ServerName}. TLS 1.3 and 1.2 only.
     */
    private static final class ServerNameSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String serverName;

        ServerNameSocketFactory(SSLSocketFactory delegate, String serverName) {
            this.delegate = delegate;
            this.serverName = serverName == null || serverName.isEmpty() ? null : serverName;
        }

        private Socket configure(Socket s) {
            if (s instanceof SSLSocket ssl) {
                SSLParameters p = ssl.getSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                ssl.setSSLParameters(p);
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            // the TLS layer's peer is the server name: SNI and the certificate check both use it
            return configure(delegate.createSocket(s, serverName != null ? serverName : host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    /** {@code tls_skip_verify}: any certificate, any name (an extended manager, so the JDK adds no check). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
