package io.custos.injector;

import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The webhook's certificate and key from PEM files, read again when the files change (checked at
 * most once a second, on a handshake) — so cert-manager or a mounted Secret can rotate them under a
 * running injector. A half-written pair (key and certificate that do not match, or a file being
 * replaced) keeps the previous pair in service. Keys in PKCS#8, PKCS#1 or SEC1 PEM.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = Logger.getLogger(ReloadingKeyManager.class.getName());
    private static final String ALIAS = "injector";

    private record Pair(X509Certificate[] chain, PrivateKey key, FileTime certTime, FileTime keyTime) {
    }

    private final Path certFile;
    private final Path keyFile;
    private volatile Pair current;
    private volatile long checkedAt;

    ReloadingKeyManager(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.current = load();
    }

    private Pair load() throws IOException, GeneralSecurityException {
        FileTime certTime = Files.getLastModifiedTime(certFile);
        FileTime keyTime = Files.getLastModifiedTime(keyFile);
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(certFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(new JcaX509CertificateConverter().getCertificate(h));
                }
            }
        }
        if (chain.isEmpty()) {
            throw new CertificateException("no certificate in " + certFile);
        }
        PrivateKey key = null;
        try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null && key == null; o = p.readObject()) {
                JcaPEMKeyConverter c = new JcaPEMKeyConverter();
                if (o instanceof PEMKeyPair kp) {
                    key = c.getPrivateKey(kp.getPrivateKeyInfo()); // SEC1 and PKCS#1 (the public half may be absent)
                } else if (o instanceof PrivateKeyInfo info) {
                    key = c.getPrivateKey(info);
                }
            }
        }
        if (key == null) {
            throw new GeneralSecurityException("no private key in " + keyFile);
        }
        if (!matches(chain.get(0), key)) {
            throw new GeneralSecurityException("the key in " + keyFile + " does not belong to the certificate in " + certFile);
        }
        return new Pair(chain.toArray(new X509Certificate[0]), key, certTime, keyTime);
    }

    private static boolean matches(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA"
                : key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : null;
        if (alg == null) {
            return true; // Ed25519 and others: the handshake will tell
        }
        byte[] probe = "custos".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(cert.getPublicKey());
        s.update(probe);
        return s.verify(sig);
    }

    /** The pair in service, re-read first when the files have changed. */
    private Pair fresh() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < 1000) {
            return current;
        }
        checkedAt = now;
        try {
            Pair c = current;
            if (!Files.getLastModifiedTime(certFile).equals(c.certTime())
                    || !Files.getLastModifiedTime(keyFile).equals(c.keyTime())) {
                current = load();
                LOG.info("the webhook's certificate was reloaded from " + certFile);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.warning("the webhook's certificate files changed but cannot be used yet (" + e.getMessage()
                    + "); the previous certificate stays in service");
        }
        return current;
    }

    X509Certificate certificate() {
        return fresh().chain()[0];
    }

    /** The alias when the key can serve {@code keyType} (the JDK asks per signature scheme). */
    private String aliasFor(String keyType) {
        String alg = fresh().key().getAlgorithm();
        return alg.equals(keyType) || (alg.equals("RSA") && keyType.equals("RSASSA-PSS")) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return fresh().chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return fresh().key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[0];
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
