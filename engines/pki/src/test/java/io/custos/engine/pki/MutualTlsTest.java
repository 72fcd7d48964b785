package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.MutableClock;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real mutual-TLS 1.3 handshakes (JDK) between a server and a client whose certificates the
 * engine issued from root → intermediate: they succeed; a revoked client certificate fails with
 * CRL checking on; an expired one fails.
 */
class MutualTlsTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private final MutableClock clock = new MutableClock();
    private PkiEngine pki;
    private X509Certificate root;
    private X509Certificate intermediate;

    @BeforeEach
    void setUp() {
        PkiEngine rootCa = new PkiEngine(new EngineContext("pki/", rootStorage, Map.of(), Clock.systemUTC()),
                new StoredKeyManager(rootStorage));
        root = Pem.certificates((String) PkiEngineTest.call(rootCa, Operation.UPDATE, "root/generate/internal",
                Map.of("common_name", "mTLS Root", "key_type", "ec")).get("certificate")).get(0);
        pki = new PkiEngine(new EngineContext("pki_int/", storage, Map.of(), clock), new StoredKeyManager(storage));
        String csr = (String) PkiEngineTest.call(pki, Operation.UPDATE, "intermediate/generate/internal",
                Map.of("common_name", "mTLS Intermediate", "key_type", "ec")).get("csr");
        String signed = (String) PkiEngineTest.call(rootCa, Operation.UPDATE, "root/sign-intermediate",
                Map.of("csr", csr, "common_name", "mTLS Intermediate")).get("certificate");
        PkiEngineTest.call(pki, Operation.UPDATE, "intermediate/set-signed", Map.of("certificate",
                signed + "\n" + Pem.encode(root)));
        intermediate = Pem.certificates(signed).get(0);
        rootCrl = ((byte[]) rootCa.handle(new Request(Operation.READ, "crl", Map.of())).rawBody());
        PkiEngineTest.call(pki, Operation.UPDATE, "roles/mesh", Map.of("allow_any_name", true, "key_type", "ec",
                "allowed_uri_sans", "spiffe://mesh.local/*", "not_before_duration", "0s"));
    }

    private final InMemoryStorage rootStorage = new InMemoryStorage();
    private byte[] rootCrl;

    private record Identity(KeyPair key, X509Certificate cert, String serial) {
    }

    private Identity issue(String cn, String ttl) {
        Map<String, Object> r = PkiEngineTest.call(pki, Operation.UPDATE, "issue/mesh", Map.of("common_name", cn,
                "uri_sans", "spiffe://mesh.local/" + cn, "ip_sans", "127.0.0.1", "ttl", ttl));
        return new Identity(Pem.keyPair((String) r.get("private_key")),
                Pem.certificates((String) r.get("certificate")).get(0), (String) r.get("serial_number"));
    }

    private SSLContext context(Identity id, boolean checkRevocation) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("id", id.key().getPrivate(), new char[0], new Certificate[] {id.cert(), intermediate, root});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, new char[0]);
        PKIXBuilderParameters params = new PKIXBuilderParameters(Set.of(new TrustAnchor(root, null)),
                new X509CertSelector());
        List<Object> store = new ArrayList<>(List.of(intermediate));
        if (checkRevocation) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            store.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(pki.handle(new Request(Operation.READ, "crl",
                    Map.of())).rawBody())));
            store.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(rootCrl)));
            PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX")
                    .getRevocationChecker();
            checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.NO_FALLBACK));
            params.addCertPathChecker(checker);
        } else {
            params.setRevocationEnabled(false);
        }
        params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(params));
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** One TLS 1.3 handshake with client auth required; returns what the client read. */
    private String handshake(Identity server, Identity client, boolean checkRevocation) throws Exception {
        SSLContext serverCtx = context(server, checkRevocation);
        SSLContext clientCtx = context(client, checkRevocation);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SSLServerSocket ss = (SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(true);
            ss.setEnabledProtocols(new String[] {"TLSv1.3"});
            Future<String> served = pool.submit(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    String peer = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                            .getName();
                    OutputStream out = s.getOutputStream();
                    out.write(("hello " + peer + " over " + s.getSession().getProtocol() + "\n").getBytes());
                    out.flush();
                    return peer;
                }
            });
            String line;
            try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    ss.getLocalPort())) {
                c.setEnabledProtocols(new String[] {"TLSv1.3"});
                c.startHandshake();
                InputStream in = c.getInputStream();
                line = new String(in.readNBytes(200)).trim();
            } catch (IOException clientSide) {
                line = null;
            }
            try {
                served.get(); // the server's verdict on the client certificate
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
            return line;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void issuedCertificatesCompleteAMutualTls13Handshake() throws Exception {
        String reply = handshake(issue("server", "1h"), issue("client", "1h"), true);
        assertEquals("hello CN=client over TLSv1.3", reply);
    }

    @Test
    void aRevokedClientCertificateFailsWithCrlChecking() throws Exception {
        Identity server = issue("server", "1h");
        Identity client = issue("client", "1h");
        PkiEngineTest.call(pki, Operation.UPDATE, "revoke", Map.of("serial_number", client.serial()));
        SSLException refused = assertThrows(SSLException.class, () -> handshake(server, client, true));
        assertTrue(String.valueOf(rootCause(refused).getMessage()).contains("revoked"), rootCause(refused).toString());
        assertTrue(handshake(server, issue("other-client", "1h"), true).startsWith("hello CN=other-client"));
    }

    @Test
    void anExpiredCertificateFails() throws Exception {
        Identity server = issue("server", "1h");
        // issued an hour ago for a second (the engine's clock moved back): the handshake checks the real time
        clock.advance(Duration.ofHours(-1));
        Identity client = issue("client", "1s");
        clock.advance(Duration.ofHours(1));
        SSLException refused = assertThrows(SSLException.class, () -> handshake(server, client, false));
        assertTrue(rootCause(refused) instanceof CertificateExpiredException
                || String.valueOf(rootCause(refused).getMessage()).contains("validity"), rootCause(refused).toString());
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
