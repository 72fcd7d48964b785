package io.custos.broker.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's certificate and key, re-read when their files change, so cert-manager or a
 * mounted Secret can rotate them without a restart: new handshakes use the new pair, open
 * connections keep theirs. The files are looked at most once per {@link #CHECK_INTERVAL_MILLIS}
 * (on a handshake); a pair that does not load (a half-written rotation, a key that does not match
 * the certificate) is logged and the previous pair kept until the files are right.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
    static final long CHECK_INTERVAL_MILLIS = 1_000;
    /** One loaded pair, the file versions it came from, and the alias a handshake names it by. */
    private record Pair(X509Certificate[] chain, PrivateKey key, String version, String alias) {
    }

    private final Path certFile;
    private final Path keyFile;
    private volatile Pair current;
    /** The pair before the current one: a handshake that chose it while a reload happened still finds it. */
    private volatile Pair previous;
    private volatile long nextCheck;
    private int loads;

    ReloadingKeyManager(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.current = load();
    }

    /** Re-reads the files if they changed since the last look; returns whether a new pair was installed. */
    boolean reloadIfChanged() {
        try {
            String version = version();
            if (version.equals(current.version())) {
                return false;
            }
            Pair next = load();
            previous = current;
            current = next;
            LOG.info("listener certificate reloaded: subject {}, valid until {}", next.chain()[0].getSubjectX500Principal(),
                    next.chain()[0].getNotAfter().toInstant());
            return true;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.warn("listener certificate files changed but do not load ({}); keeping the previous pair",
                    e.getMessage());
            return false;
        }
    }

    private void maybeReload() {
        long now = System.currentTimeMillis();
        if (now >= nextCheck) {
            nextCheck = now + CHECK_INTERVAL_MILLIS;
            reloadIfChanged();
        }
    }

    private String version() throws IOException {
        return Files.getLastModifiedTime(certFile).toMillis() + ":" + Files.size(certFile) + "/"
                + Files.getLastModifiedTime(keyFile).toMillis() + ":" + Files.size(keyFile);
    }

    private synchronized Pair load() throws IOException, GeneralSecurityException {
        String version = version();
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certFile)) {
            CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .forEach(c -> chain.add((X509Certificate) c));
        }
        if (chain.isEmpty()) {
            throw new GeneralSecurityException(certFile + " holds no certificate");
        }
        PrivateKey key = readKey(keyFile);
        if (!matches(chain.get(0), key)) {
            throw new GeneralSecurityException("the key in " + keyFile + " is not the certificate's");
        }
        return new Pair(chain.toArray(new X509Certificate[0]), key, version, "listener-" + (++loads));
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return conv.getKeyPair(pair).getPrivate();
            }
            throw new GeneralSecurityException(file + " holds no unencrypted PEM private key");
        }
    }

    /** Signs a challenge with the key and checks it with the certificate: the pair belongs together. */
    private static boolean matches(X509Certificate cert, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
        try {
            byte[] challenge = "custos-listener".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private Pair pair(String alias) {
        Pair c = current;
        if (c.alias().equals(alias)) {
            return c;
        }
        Pair p = previous;
        return p != null && p.alias().equals(alias) ? p : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        maybeReload();
        return current.alias();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        maybeReload();
        return current.alias();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {current.alias()};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Pair p = pair(alias);
        return p == null ? null : p.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Pair p = pair(alias);
        return p == null ? null : p.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
