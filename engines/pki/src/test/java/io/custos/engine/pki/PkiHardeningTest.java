package io.custos.engine.pki;

import static io.custos.engine.pki.PkiEngineTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.RequestContext;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PKI review's findings: each refused or corrected as Vault does. */
class PkiHardeningTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private PkiEngine pki;

    @BeforeEach
    void setUp() {
        pki = new PkiEngine(new EngineContext("pki/", storage, Map.of(), Clock.systemUTC()), new StoredKeyManager(storage));
    }

    private static String csr(KeyPair key, String alg, String cn, GeneralName... sans) throws Exception {
        JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn),
                key.getPublic());
        if (sans.length > 0) {
            b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new Extensions(new Extension(
                    Extension.subjectAlternativeName, false, new DEROctetString(new GeneralNames(sans)))));
        }
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(b.build(new JcaContentSignerBuilder(alg).build(key.getPrivate())));
        }
        return w.toString();
    }

    private static KeyPair keys(String alg, int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
        g.initialize(bits);
        return g.generateKeyPair();
    }

    private X509Certificate cert(Map<String, Object> data) {
        return Pem.certificates((String) data.get("certificate")).get(0);
    }

    @Test
    void anIntermediateStaysWithinItsSignersPathLength() throws Exception {
        call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root", "key_type", "ec",
                "max_path_length", 1));
        String csr = csr(keys("EC", 256), "SHA256withECDSA", "Int");
        // nothing asked: the signer's length minus one (Vault), not unlimited
        assertEquals(0, cert(call(pki, Operation.UPDATE, "root/sign-intermediate", Map.of("csr", csr, "common_name",
                "Int"))).getBasicConstraints());
        assertEquals(0, cert(call(pki, Operation.UPDATE, "root/sign-intermediate", Map.of("csr", csr, "common_name",
                "Int", "max_path_length", 5))).getBasicConstraints());

        InMemoryStorage other = new InMemoryStorage();
        PkiEngine zero = new PkiEngine(new EngineContext("z/", other, Map.of(), Clock.systemUTC()),
                new StoredKeyManager(other));
        call(zero, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Zero", "key_type", "ec",
                "max_path_length", 0));
        EngineException e = assertThrows(EngineException.class, () -> call(zero, Operation.UPDATE,
                "root/sign-intermediate", Map.of("csr", csr, "common_name", "Int")));
        assertTrue(e.getMessage().contains("max path length of zero"), e.getMessage());
    }

    @Test
    void smallCsrKeysAreRefused() throws Exception {
        call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root", "key_type", "ec"));
        call(pki, Operation.UPDATE, "roles/any", Map.of("allow_any_name", true, "key_type", "any"));
        String weak = csr(keys("RSA", 1024), "SHA256withRSA", "weak.example");
        EngineException e = assertThrows(EngineException.class, () -> call(pki, Operation.UPDATE, "sign/any",
                Map.of("csr", weak, "common_name", "weak.example")));
        assertEquals("RSA keys < 2048 bits are unsafe and not supported: got 1024", e.getMessage());
        assertThrows(EngineException.class, () -> call(pki, Operation.UPDATE, "sign-verbatim", Map.of("csr", weak)));
    }

    @Test
    void managedAndExistingKeyRootsAreRefusedNotFakedWithASoftwareKey() {
        for (String type : List.of("kms", "existing")) {
            EngineException e = assertThrows(EngineException.class, () -> call(pki, Operation.UPDATE,
                    "root/generate/" + type, Map.of("common_name", "Root")));
            assertEquals(400, e.status());
        }
        assertTrue(storage.list("issuers/").isEmpty(), "no issuer was made");
    }

    @Test
    void signVerbatimKeepsEmailSansAsEmails() throws Exception {
        call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root", "key_type", "ec"));
        String csr = csr(keys("EC", 256), "SHA256withECDSA", "mail",
                new GeneralName(GeneralName.rfc822Name, "ops@example.org"),
                new GeneralName(GeneralName.dNSName, "mail.example.org"));
        X509Certificate c = cert(call(pki, Operation.UPDATE, "sign-verbatim", Map.of("csr", csr)));
        assertTrue(c.getSubjectAlternativeNames().contains(List.of(GeneralName.rfc822Name, "ops@example.org")),
                String.valueOf(c.getSubjectAlternativeNames()));
        assertTrue(c.getSubjectAlternativeNames().contains(List.of(GeneralName.dNSName, "mail.example.org")));
    }

    @Test
    void anOcspNonceLongerThan32OctetsIsAMalformedRequest() throws Exception {
        X509Certificate ca = cert(call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root",
                "key_type", "ec")));
        assertEquals(OCSPResp.MALFORMED_REQUEST, ocspStatus(ca, 33));
        assertEquals(OCSPResp.SUCCESSFUL, ocspStatus(ca, 32));
    }

    private int ocspStatus(X509Certificate ca, int nonceBytes) throws Exception {
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(ca), BigInteger.TEN);
        OCSPReqBuilder b = new OCSPReqBuilder().addRequest(id);
        b.setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
                new DEROctetString(new DEROctetString(new byte[nonceBytes]).getEncoded()))));
        byte[] answer = pki.handle(new Request(Operation.UPDATE, "ocsp", Map.of(), "application/ocsp-request",
                RequestContext.NONE.withRawBody(b.build().getEncoded()))).rawBody();
        return new OCSPResp(answer).getStatus();
    }

    @Test
    void deletingAnIssuerDeletesItsKey() {
        Map<String, Object> root = call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root",
                "key_type", "ec"));
        assertEquals(1, storage.list("keys/").size());
        call(pki, Operation.DELETE, "issuer/" + root.get("issuer_id"), Map.of());
        assertTrue(storage.list("keys/").isEmpty(), "the private key went with its issuer");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @Test
    void revokeWithKeyNeedsTheRealPrivateKeyNotOneCarryingTheVictimsPublicKey() throws Exception {
        call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root", "key_type", "ec"));
        call(pki, Operation.UPDATE, "roles/ec", Map.of("allow_any_name", true, "key_type", "ec"));
        call(pki, Operation.UPDATE, "roles/rsa", Map.of("allow_any_name", true, "key_type", "rsa", "key_bits", 2048));
        Map<String, Object> ec = call(pki, Operation.UPDATE, "issue/ec", Map.of("common_name", "victim.example"));
        X509Certificate victim = cert(ec);
        // an EC PRIVATE KEY with d = 1 and the victim's public point (readable from cert/<serial>)
        var point = (ECPublicKey) victim.getPublicKey();
        var spki = SubjectPublicKeyInfo.getInstance(point.getEncoded());
        var forged = new ECPrivateKey(256, BigInteger.ONE, spki.getPublicKeyData(),
                spki.getAlgorithm().getParameters());
        EngineException e = assertThrows(EngineException.class, () -> call(pki, Operation.UPDATE, "revoke-with-key",
                Map.of("serial_number", ec.get("serial_number"), "private_key", pem("EC PRIVATE KEY",
                        forged.getEncoded()))));
        assertEquals("the private key does not match the certificate", e.getMessage());

        Map<String, Object> rsa = call(pki, Operation.UPDATE, "issue/rsa", Map.of("common_name", "victim2.example"));
        var pub = (RSAPublicKey) cert(rsa).getPublicKey();
        BigInteger junk = BigInteger.valueOf(1_000_003);
        var forgedRsa = new RSAPrivateKey(pub.getModulus(), pub.getPublicExponent(), junk,
                junk, junk, junk, junk, junk);
        assertThrows(EngineException.class, () -> call(pki, Operation.UPDATE, "revoke-with-key", Map.of(
                "serial_number", rsa.get("serial_number"), "private_key", pem("RSA PRIVATE KEY", forgedRsa.getEncoded()))));

        // the real key still revokes
        call(pki, Operation.UPDATE, "revoke-with-key", Map.of("serial_number", ec.get("serial_number"),
                "private_key", ec.get("private_key")));
        assertTrue(storage.list("revoked/").size() == 1);
    }
}
