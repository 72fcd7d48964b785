package io.custos.broker.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to a broker takes, spelled as Vault's CLI spells them,
 * each with its environment variable ({@code CUSTOS_*} first, then {@code VAULT_*}).
 */
final class ClientOptions {
    @Option(names = {"-address", "--address"}, paramLabel = "URL",
            description = "The broker (CUSTOS_ADDR, VAULT_ADDR; default https://127.0.0.1:8200).")
    String address;

    @Option(names = {"-ca-cert", "--ca-cert"}, paramLabel = "FILE",
            description = "PEM CA certificates that sign the broker's (CUSTOS_CACERT, VAULT_CACERT).")
    String caCert;

    @Option(names = {"-client-cert", "--client-cert"}, paramLabel = "FILE",
            description = "PEM client certificate for mutual TLS (CUSTOS_CLIENT_CERT, VAULT_CLIENT_CERT).")
    String clientCert;

    @Option(names = {"-client-key", "--client-key"}, paramLabel = "FILE",
            description = "PEM private key of -client-cert (CUSTOS_CLIENT_KEY, VAULT_CLIENT_KEY).")
    String clientKey;

    @Option(names = {"-tls-server-name", "--tls-server-name"}, paramLabel = "NAME",
            description = "The name to expect in the broker's certificate (CUSTOS_TLS_SERVER_NAME, VAULT_TLS_SERVER_NAME).")
    String tlsServerName;

    @Option(names = {"-tls-skip-verify", "--tls-skip-verify"}, arity = "0..1", fallbackValue = "true",
            description = "Do not verify the broker's certificate (insecure; CUSTOS_SKIP_VERIFY, VAULT_SKIP_VERIFY).")
    Boolean tlsSkipVerify;

    @Option(names = {"-format", "--format"}, paramLabel = "FORMAT",
            description = "table, json or yaml (CUSTOS_FORMAT, VAULT_FORMAT; default table).")
    String format;

    @Option(names = {"-wrap-ttl", "--wrap-ttl"}, paramLabel = "DURATION",
            description = {"Wrap the answer: the broker keeps it behind a single-use wrapping token that lives this long "
                    + "(\"5m\", \"120s\" or seconds) and answers with that token (CUSTOS_WRAP_TTL, VAULT_WRAP_TTL).",
                    "Read it back with: unwrap TOKEN."})
    String wrapTtl;

    @Option(names = {"-output-curl-string", "--output-curl-string"},
            description = "Print the command's first request as a curl command instead of sending it "
                    + "(the token as $(custos print token)).")
    boolean outputCurlString;

    @Option(names = {"-field", "--field"}, paramLabel = "NAME",
            description = "Print only this field's value, without a trailing newline when not on a terminal.")
    String field;

    String format(CliEnvironment env) {
        String f = format != null ? format : env.first("CUSTOS_FORMAT", "VAULT_FORMAT");
        f = f == null ? "table" : f.toLowerCase(Locale.ROOT);
        if (!f.equals("table") && !f.equals("json") && !f.equals("yaml") && !f.equals("yml")) {
            throw CliException.usage("Invalid output format: " + f + " (table, json or yaml)");
        }
        return f.equals("yml") ? "yaml" : f;
    }

    URI address(CliEnvironment env) {
        String a = address != null ? address : env.first("CUSTOS_ADDR", "VAULT_ADDR");
        try {
            URI uri = URI.create(a == null ? "https://127.0.0.1:8200" : a.replaceAll("/+$", ""));
            if (uri.getScheme() == null || uri.getHost() == null
                    || !uri.getScheme().equals("http") && !uri.getScheme().equals("https")) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid address \"" + a + "\": " + e.getMessage());
        }
    }

    /** A client for the broker, with the token from the environment or the token helper (may be null). */
    CliClient client(CliEnvironment env) {
        return client(env, TokenHelper.of(env).get());
    }

    CliClient client(CliEnvironment env, String token) {
        URI uri = address(env);
        return new CliClient(uri, uri.getScheme().equals("https") ? ssl(env) : null, token, wrapTtl(env),
                outputCurlString ? curlPrefix(env) : null);
    }

    /** {@code curl} and the TLS options the request would be sent with, as Vault prints them. */
    private String curlPrefix(CliEnvironment env) {
        StringBuilder s = new StringBuilder("curl ");
        if (skipVerify(env)) {
            s.append("--insecure ");
        }
        String ca = caCert(env);
        String cert = clientCert(env);
        String key = clientKey(env);
        if (ca != null) {
            s.append("--cacert ").append(CliClient.quoted(ca)).append(' ');
        }
        if (cert != null) {
            s.append("--cert ").append(CliClient.quoted(cert)).append(' ');
        }
        if (key != null) {
            s.append("--key ").append(CliClient.quoted(key)).append(' ');
        }
        return s.toString();
    }

    /** The -wrap-ttl to send in X-Vault-Wrap-TTL (the broker judges its value); null: none. */
    private String wrapTtl(CliEnvironment env) {
        String ttl = wrapTtl != null ? wrapTtl : env.first("CUSTOS_WRAP_TTL", "VAULT_WRAP_TTL");
        if (ttl == null || ttl.isEmpty()) {
            return null;
        }
        if (ttl.length() > 32 || !ttl.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '.')) {
            throw CliException.usage("invalid -wrap-ttl \"" + (ttl.length() > 32 ? ttl.substring(0, 32) + "..." : ttl)
                    + "\": a duration such as 5m, 120s or 60");
        }
        return ttl;
    }

    private String caCert(CliEnvironment env) {
        return caCert != null ? caCert : env.first("CUSTOS_CACERT", "VAULT_CACERT");
    }

    private String clientCert(CliEnvironment env) {
        return clientCert != null ? clientCert : env.first("CUSTOS_CLIENT_CERT", "VAULT_CLIENT_CERT");
    }

    private String clientKey(CliEnvironment env) {
        return clientKey != null ? clientKey : env.first("CUSTOS_CLIENT_KEY", "VAULT_CLIENT_KEY");
    }

    private boolean skipVerify(CliEnvironment env) {
        return tlsSkipVerify != null ? tlsSkipVerify : isTrue(env.first("CUSTOS_SKIP_VERIFY", "VAULT_SKIP_VERIFY"));
    }

    private SSLContext ssl(CliEnvironment env) {
        String ca = caCert(env);
        String cert = clientCert(env);
        String key = clientKey(env);
        String serverName = tlsServerName != null ? tlsServerName : env.first("CUSTOS_TLS_SERVER_NAME",
                "VAULT_TLS_SERVER_NAME");
        boolean skip = skipVerify(env);
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ca == null ? null : trustStore(Path.of(ca)));
            X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
            KeyManagerFactory kmf = null;
            if (cert != null || key != null) {
                if (cert == null || key == null) {
                    throw CliException.usage("-client-cert and -client-key go together");
                }
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore(Path.of(cert), Path.of(key)), new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            TrustManager tm = skip || serverName != null ? new NamedServerTrust(trust, skip, serverName) : trust;
            if (skip || serverName != null) {
                // the JDK client checks the URL's host itself; NamedServerTrust checks the expected name instead
                System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
            }
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {tm}, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw CliException.local("TLS configuration: " + e.getMessage());
        }
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    private static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certificates(pem)) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
            throw new CertificateException("no certificate in " + pem);
        }
        return ks;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, CertificateException {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
    }

    private static KeyStore keyStore(Path cert, Path key) throws IOException, GeneralSecurityException {
        PrivateKey pk;
        try (Reader r = Files.newBufferedReader(key); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                pk = conv.getKeyPair(pair).getPrivate();
            } else if (o instanceof PrivateKeyInfo info) {
                pk = conv.getPrivateKey(info);
            } else {
                throw new GeneralSecurityException("no unencrypted private key in " + key);
            }
        }
        List<Certificate> chain = new ArrayList<>(certificates(cert));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", pk, new char[0], chain.toArray(new Certificate[0]));
        return ks;
    }

    /**
     * Checks the chain as the platform does, then the leaf against {@code serverName} (DNS names
     * of the subject alternative names; a leading {@code *.} matches one label) — or nothing at
     * all with {@code -tls-skip-verify}.
     */
    private static final class NamedServerTrust extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;
        private final boolean skip;
        private final String serverName;

        NamedServerTrust(X509TrustManager delegate, boolean skip, String serverName) {
            this.delegate = delegate;
            this.skip = skip;
            this.serverName = serverName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (skip) {
                return;
            }
            delegate.checkServerTrusted(chain, authType);
            if (!matches(chain[0], serverName)) {
                throw new CertificateException("the broker's certificate is not valid for " + serverName);
            }
        }

        static boolean matches(X509Certificate cert, String name) throws CertificateException {
            if (cert.getSubjectAlternativeNames() == null) {
                return false;
            }
            String n = name.toLowerCase(Locale.ROOT);
            for (List<?> san : cert.getSubjectAlternativeNames()) {
                if (((Integer) san.get(0) == 2 || (Integer) san.get(0) == 7) && san.get(1) instanceof String s) {
                    String d = s.toLowerCase(Locale.ROOT);
                    if (d.equals(n) || d.startsWith("*.") && n.indexOf('.') > 0
                            && n.substring(n.indexOf('.')).equals(d.substring(1))) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client does not check clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client does not check clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client does not check clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
