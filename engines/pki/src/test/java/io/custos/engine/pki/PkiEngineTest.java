package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.MutableClock;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.RequestContext;
import io.custos.engine.sdk.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PKI engine as a library, judged by OpenSSL: a root → intermediate → leaf chain that
 * {@code openssl verify} accepts, role refusals that say why, SPIFFE URI SANs, CSR signing with
 * an OpenSSL-made key, revocation visible in a CRL that {@code openssl crl} verifies, and flat
 * storage under no_store.
 */
class PkiEngineTest {
    @TempDir
    Path dir;

    private final InMemoryStorage rootStorage = new InMemoryStorage();
    private final InMemoryStorage intStorage = new InMemoryStorage();
    private final MutableClock clock = new MutableClock();
    private PkiEngine root;
    private PkiEngine intermediate;

    @BeforeEach
    void setUp() {
        root = new PkiEngine(new EngineContext("pki/", rootStorage, Map.of(), Clock.systemUTC()),
                new StoredKeyManager(rootStorage));
        intermediate = new PkiEngine(new EngineContext("pki_int/", intStorage, Map.of(), clock),
                new StoredKeyManager(intStorage));
    }

    static Map<String, Object> call(PkiEngine e, Operation op, String path, Map<String, Object> data) {
        Response r = e.handle(new Request(op, path, new HashMap<>(data)));
        return r == null ? null : r.data();
    }

    private String write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content + "\n", StandardCharsets.UTF_8);
        return p.toString();
    }

    static String openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out;
    }

    /** A root CA at pki/, an intermediate at pki_int/ signed by it, and a role on the intermediate. */
    private String chain() {
        Map<String, Object> r = call(root, Operation.UPDATE, "root/generate/internal", Map.of("common_name",
                "Custos Test Root", "key_type", "ec", "key_bits", 384, "ttl", "87600h", "issuer_name", "root-2026"));
        String rootPem = (String) r.get("certificate");
        Map<String, Object> csr = call(intermediate, Operation.UPDATE, "intermediate/generate/internal",
                Map.of("common_name", "Custos Test Intermediate", "key_type", "ec"));
        Map<String, Object> signed = call(root, Operation.UPDATE, "root/sign-intermediate", Map.of("csr", csr.get("csr"),
                "common_name", "Custos Test Intermediate", "ttl", "43800h"));
        call(intermediate, Operation.UPDATE, "intermediate/set-signed", Map.of("certificate",
                signed.get("certificate") + "\n" + rootPem));
        call(intermediate, Operation.UPDATE, "roles/svc", Map.of("allowed_domains", "example.org", "allow_subdomains",
                true, "allowed_uri_sans", "spiffe://example.org/ns/*/sa/*", "key_type", "ec", "max_ttl", "72h",
                "ttl", "24h"));
        return rootPem;
    }

    @Test
    void issuedLeavesVerifyAgainstTheRootThroughTheIntermediate() throws Exception {
        String rootPem = chain();
        Map<String, Object> leaf = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name",
                "api.example.org", "alt_names", "www.example.org", "ip_sans", "10.0.0.7",
                "uri_sans", "spiffe://example.org/ns/prod/sa/api"));
        @SuppressWarnings("unchecked")
        List<String> chain = (List<String>) leaf.get("ca_chain");
        assertEquals(2, chain.size(), "intermediate and root");
        String rootFile = write("root.pem", rootPem);
        String untrusted = write("chain.pem", String.join("\n", chain));
        String leafFile = write("leaf.pem", (String) leaf.get("certificate"));
        String verify = openssl("verify", "-CAfile", rootFile, "-untrusted", untrusted, leafFile);
        assertTrue(verify.startsWith("0:") && verify.contains("OK"), verify);
        String text = openssl("x509", "-in", leafFile, "-noout", "-text");
        assertTrue(text.contains("URI:spiffe://example.org/ns/prod/sa/api"), text);
        assertTrue(text.contains("DNS:api.example.org") && text.contains("DNS:www.example.org"), text);
        assertTrue(text.contains("IP Address:10.0.0.7"), text);
        assertTrue(text.contains("TLS Web Server Authentication") && text.contains("TLS Web Client Authentication"), text);
        assertEquals("ec", leaf.get("private_key_type"));
        String keyFile = write("leaf.key", (String) leaf.get("private_key"));
        String keyCheck = openssl("ec", "-in", keyFile, "-check", "-noout");
        assertTrue(keyCheck.startsWith("0:"), keyCheck);
        X509Certificate cert = Pem.certificates((String) leaf.get("certificate")).get(0);
        long life = cert.getNotAfter().getTime() - cert.getNotBefore().getTime();
        assertEquals(24 * 3600_000L + 30_000L, life, 2000, "24h ttl plus the 30 s backdate");
    }

    @Test
    void roleConstraintsAreRefusedWithClearMessages() {
        chain();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"common_name\":\"api.evil.com\"}", "common name api.evil.com not allowed by this role");
        cases.put("{\"common_name\":\"a.example.org\",\"alt_names\":\"b.evil.com\"}",
                "subject alternate name b.evil.com not allowed by this role");
        cases.put("{\"common_name\":\"a.example.org\",\"uri_sans\":\"spiffe://other.org/ns/x/sa/y\"}",
                "URI Subject Alternative Names spiffe://other.org/ns/x/sa/y not allowed by this role");
        cases.put("{\"common_name\":\"a.example.org\",\"ip_sans\":\"not-an-ip\"}", "is not a valid IP address");
        cases.put("{\"common_name\":\"example.org\"}", "common name example.org not allowed by this role");
        cases.put("{\"common_name\":\"bad_host.example.org\"}", "not allowed by this role");
        cases.put("{}", "the common_name field is required");
        String huge = "a".repeat(65_536) + ".evil.com";
        cases.put("{\"common_name\":\"" + huge + "\"}", "common name " + "a".repeat(64) + "… (65545 characters)"
                + " not allowed by this role");
        cases.put("{\"common_name\":\"a.example.org\",\"ip_sans\":\"" + huge + "\"}",
                "the value \"" + "a".repeat(64) + "… (65545 characters)\" is not a valid IP address");
        cases.forEach((json, message) -> {
            Map<String, Object> data = Json.readMap(json.getBytes(StandardCharsets.UTF_8));
            EngineException e = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                    "issue/svc", data), json);
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains(message), json + " -> " + e.getMessage());
            assertTrue(e.getMessage().length() < 400, "a name is not sent back whole: " + e.getMessage().length());
        });
        EngineException unknown = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                "issue/nope", Map.of("common_name", "a.example.org")));
        assertTrue(unknown.getMessage().contains("unknown role"));
        EngineException badRole = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                "roles/bad", Map.of("key_type", "ec", "key_bits", 512)));
        assertTrue(badRole.getMessage().contains("unsupported bit length for EC key: 512"), badRole.getMessage());
    }

    @Test
    void aCertificateNeverOutlivesItsIssuer() {
        call(root, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Short Root", "ttl", "1h",
                "key_type", "ec"));
        call(root, Operation.UPDATE, "roles/any", Map.of("allow_any_name", true, "key_type", "ec", "max_ttl", "100h"));
        EngineException e = assertThrows(EngineException.class, () -> call(root, Operation.UPDATE, "issue/any",
                Map.of("common_name", "x.example.com", "ttl", "2h")));
        assertTrue(e.getMessage().contains("beyond the expiration of the CA certificate"), e.getMessage());
    }

    @Test
    void csrsFromOpenSslAreSignedAndTheKeyNeverLeavesTheClient() throws Exception {
        String rootPem = chain();
        String key = dir.resolve("client.key").toString();
        String csr = dir.resolve("client.csr").toString();
        String gen = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                key, "-out", csr, "-subj", "/CN=worker.example.org", "-addext",
                "subjectAltName=URI:spiffe://example.org/ns/batch/sa/worker");
        assertTrue(gen.startsWith("0:"), gen);
        Map<String, Object> signed = call(intermediate, Operation.UPDATE, "sign/svc", Map.of("csr",
                Files.readString(Path.of(csr))));
        assertFalse(signed.containsKey("private_key"));
        String leafFile = write("signed.pem", (String) signed.get("certificate"));
        @SuppressWarnings("unchecked")
        String verify = openssl("verify", "-CAfile", write("r.pem", rootPem), "-untrusted",
                write("c.pem", String.join("\n", (List<String>) signed.get("ca_chain"))), leafFile);
        assertTrue(verify.contains("OK"), verify);
        assertTrue(openssl("x509", "-in", leafFile, "-noout", "-text").contains("URI:spiffe://example.org/ns/batch/sa/worker"));
        String rsaKey = dir.resolve("rsa.key").toString();
        String rsaCsr = dir.resolve("rsa.csr").toString();
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", rsaKey, "-out", rsaCsr, "-subj",
                "/CN=rsa.example.org");
        EngineException wrongType = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                "sign/svc", Map.of("csr", Files.readString(Path.of(rsaCsr)))));
        assertTrue(wrongType.getMessage().contains("role requires keys of type ec"), wrongType.getMessage());
    }

    @Test
    void revokedCertificatesAppearInACrlThatOpenSslVerifies() throws Exception {
        String rootPem = chain();
        Map<String, Object> a = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "a.example.org"));
        Map<String, Object> b = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "b.example.org"));
        String serial = (String) a.get("serial_number");
        Map<String, Object> revoked = call(intermediate, Operation.UPDATE, "revoke", Map.of("serial_number", serial));
        assertEquals("revoked", revoked.get("state"));
        Response crl = intermediate.handle(new Request(Operation.READ, "crl/pem", Map.of()));
        assertEquals("application/pem-file", crl.rawContentType());
        String crlFile = write("int.crl", new String(crl.rawBody(), StandardCharsets.US_ASCII));
        @SuppressWarnings("unchecked")
        String intPem = ((List<String>) a.get("ca_chain")).get(0);
        String parsed = openssl("crl", "-in", crlFile, "-CAfile", write("int.pem", intPem), "-noout", "-text");
        assertTrue(parsed.contains("verify OK") || parsed.contains("verify ok"), parsed);
        String hex = serial.replace(":", "").toUpperCase(Locale.ROOT).replaceFirst("^0+", "");
        assertTrue(parsed.toUpperCase(Locale.ROOT).contains(hex), parsed);
        // openssl verify with CRL checking: the revoked leaf fails, the other passes
        String all = write("all.pem", rootPem + "\n" + intPem);
        String crls = write("crls.pem", new String(crl.rawBody(), StandardCharsets.US_ASCII) + "\n"
                + new String(root.handle(new Request(Operation.READ, "crl/pem", Map.of())).rawBody(), StandardCharsets.US_ASCII));
        String bad = openssl("verify", "-crl_check_all", "-CAfile", all, "-CRLfile", crls, write("a.pem",
                (String) a.get("certificate")));
        assertTrue(bad.contains("certificate revoked"), bad);
        String good = openssl("verify", "-crl_check_all", "-CAfile", all, "-CRLfile", crls, write("b.pem",
                (String) b.get("certificate")));
        assertTrue(good.contains(": OK"), good);
        assertTrue(call(intermediate, Operation.LIST, "certs/revoked/", Map.of()).get("keys").toString().contains(serial));
        assertNotEquals(0, call(intermediate, Operation.READ, "cert/" + serial, Map.of()).get("revocation_time"));
    }

    @Test
    void noStoreKeepsStorageFlatOverTenThousandCertificates() {
        chain();
        call(intermediate, Operation.UPDATE, "roles/ephemeral", Map.of("allow_any_name", true, "key_type", "ec",
                "no_store", true, "ttl", "1h"));
        for (int i = 0; i < 10; i++) {
            call(intermediate, Operation.UPDATE, "issue/ephemeral", Map.of("common_name", "warm" + i + ".example.com"));
        }
        int before = intStorage.size();
        for (int i = 0; i < 10_000; i++) {
            call(intermediate, Operation.UPDATE, "issue/ephemeral", Map.of("common_name", "s" + i + ".example.com"));
        }
        assertEquals(before, intStorage.size(), "no_store issuance wrote per-certificate entries");
        call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "stored.example.org"));
        assertEquals(before + 1, intStorage.size());
    }

    @Test
    void rootsExportRotateAndResolveByName() throws Exception {
        Map<String, Object> exported = call(root, Operation.UPDATE, "root/generate/exported", Map.of("common_name",
                "Exported Root", "key_type", "rsa", "key_bits", 2048, "issuer_name", "first"));
        String key = (String) exported.get("private_key");
        assertTrue(key.startsWith("-----BEGIN RSA PRIVATE KEY-----"), key);
        assertTrue(openssl("rsa", "-in", write("k.pem", key), "-check", "-noout").startsWith("0:"));
        Map<String, Object> second = call(root, Operation.UPDATE, "root/rotate/internal", Map.of("common_name",
                "Next Root", "key_type", "ed25519", "issuer_name", "next"));
        assertFalse(second.containsKey("private_key"));
        assertEquals(exported.get("issuer_id"), call(root, Operation.READ, "config/issuers", Map.of()).get("default"));
        call(root, Operation.UPDATE, "config/issuers", Map.of("default", "next"));
        assertEquals(second.get("issuer_id"), call(root, Operation.READ, "config/issuers", Map.of()).get("default"));
        assertEquals(2, ((List<?>) call(root, Operation.LIST, "issuers/", Map.of()).get("keys")).size());
        Response pem = root.handle(new Request(Operation.READ, "ca/pem", Map.of()));
        assertTrue(new String(pem.rawBody(), StandardCharsets.US_ASCII).startsWith("-----BEGIN CERTIFICATE-----"));
        String text = openssl("x509", "-in", write("ed.pem", new String(pem.rawBody(), StandardCharsets.US_ASCII)),
                "-noout", "-text");
        assertTrue(text.contains("ED25519") && text.contains("CN = Next Root") || text.contains("CN=Next Root"), text);
        call(root, Operation.UPDATE, "roles/ed", Map.of("allow_any_name", true, "key_type", "ed25519",
                "issuer_ref", "next"));
        Map<String, Object> leaf = call(root, Operation.UPDATE, "issue/ed", Map.of("common_name", "ed.example.com"));
        String verify = openssl("verify", "-CAfile", write("next.pem", new String(pem.rawBody(), StandardCharsets.US_ASCII)),
                write("edleaf.pem", (String) leaf.get("certificate")));
        assertTrue(verify.contains("OK"), verify);
        EngineException dup = assertThrows(EngineException.class, () -> call(root, Operation.UPDATE,
                "root/generate/internal", Map.of("common_name", "x", "issuer_name", "next")));
        assertTrue(dup.getMessage().contains("already in use"));
        call(root, Operation.DELETE, "root", Map.of());
        assertThrows(EngineException.class, () -> call(root, Operation.READ, "issuer/default", Map.of()));
    }

    @Test
    void ocspAnswersGoodRevokedAndUnknownAndOpenSslVerifiesTheResponse() throws Exception {
        String rootPem = chain();
        Map<String, Object> good = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "g.example.org"));
        Map<String, Object> bad = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "r.example.org"));
        call(intermediate, Operation.UPDATE, "revoke", Map.of("serial_number", bad.get("serial_number")));
        @SuppressWarnings("unchecked")
        String intPem = ((List<String>) good.get("ca_chain")).get(0);
        String issuerFile = write("issuer.pem", intPem);
        String all = write("trust.pem", rootPem + "\n" + intPem);
        assertEquals("good", ocspStatus(issuerFile, all, write("g.pem", (String) good.get("certificate"))));
        assertEquals("revoked", ocspStatus(issuerFile, all, write("r.pem", (String) bad.get("certificate"))));
        // a serial not on record (issued with no_store): unknown
        call(intermediate, Operation.UPDATE, "roles/nostore", Map.of("allow_any_name", true, "key_type", "ec",
                "no_store", true));
        Map<String, Object> unstored = call(intermediate, Operation.UPDATE, "issue/nostore", Map.of("common_name",
                "n.example.org"));
        assertEquals("unknown", ocspStatus(issuerFile, all, write("n.pem", (String) unstored.get("certificate"))));
        // a certificate of another CA: that issuer is not served here
        String otherCa = dir.resolve("other.key").toString();
        String otherCrt = dir.resolve("other.crt").toString();
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", otherCa,
                "-out", otherCrt, "-subj", "/CN=Other CA", "-days", "1");
        String req = dir.resolve("req.der").toString();
        openssl("ocsp", "-issuer", otherCrt, "-cert", otherCrt, "-reqout", req, "-no_nonce");
        byte[] answer = intermediate.handle(new Request(Operation.UPDATE, "ocsp", Map.of(), "application/ocsp-request",
                RequestContext.NONE.withRawBody(Files.readAllBytes(Path.of(req))))).rawBody();
        String respFile = dir.resolve("resp.der").toString();
        Files.write(Path.of(respFile), answer);
        String text = openssl("ocsp", "-respin", respFile, "-resp_text", "-noverify");
        assertTrue(text.contains("unauthorized"), text);
        // GET form: base64 of the DER request in the path
        openssl("ocsp", "-issuer", issuerFile, "-cert", write("g2.pem", (String) good.get("certificate")), "-reqout",
                req, "-no_nonce");
        String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(req)));
        Response viaGet = intermediate.handle(new Request(Operation.READ, "ocsp/" + b64, Map.of()));
        assertEquals("application/ocsp-response", viaGet.rawContentType());
        Files.write(Path.of(respFile), viaGet.rawBody());
        String verified = openssl("ocsp", "-respin", respFile, "-CAfile", all, "-issuer", issuerFile, "-cert",
                write("g3.pem", (String) good.get("certificate")), "-no_nonce");
        assertTrue(verified.contains("Response verify OK") && verified.contains(": good"), verified);
    }

    /** Asks the engine through openssl-made request bytes; returns the status openssl reads from the verified answer. */
    private String ocspStatus(String issuerFile, String trust, String certFile) throws Exception {
        String req = dir.resolve("q.der").toString();
        String made = openssl("ocsp", "-issuer", issuerFile, "-cert", certFile, "-reqout", req);
        assertTrue(made.startsWith("0:"), made);
        byte[] answer = intermediate.handle(new Request(Operation.UPDATE, "ocsp", Map.of(), "application/ocsp-request",
                RequestContext.NONE.withRawBody(Files.readAllBytes(Path.of(req))))).rawBody();
        String resp = dir.resolve("a.der").toString();
        Files.write(Path.of(resp), answer);
        String out = openssl("ocsp", "-respin", resp, "-CAfile", trust, "-issuer", issuerFile, "-cert", certFile, "-no_nonce");
        assertTrue(out.contains("Response verify OK"), out);
        return out.contains(": good") ? "good" : out.contains(": revoked") ? "revoked"
                : out.contains(": unknown") ? "unknown" : out;
    }

    @Test
    void tidyRemovesExpiredCertificatesAndDeltaCrlsCarryNewRevocations() throws Exception {
        chain();
        Map<String, Object> a = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "a.example.org",
                "ttl", "1s"));
        Map<String, Object> b = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "b.example.org",
                "ttl", "1s"));
        Map<String, Object> kept = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "k.example.org"));
        call(intermediate, Operation.UPDATE, "revoke", Map.of("serial_number", b.get("serial_number")));
        clock.advance(Duration.ofMillis(2200)); // a and b expired; the safety buffer of 1 s has passed too
        call(intermediate, Operation.UPDATE, "tidy", Map.of("tidy_cert_store", true, "tidy_revoked_certs", true,
                "safety_buffer", "1s"));
        Map<String, Object> status = call(intermediate, Operation.READ, "tidy-status", Map.of());
        assertEquals("Finished", status.get("state"));
        assertEquals(1, ((Number) status.get("cert_store_deleted_count")).intValue());
        assertEquals(1, ((Number) status.get("revoked_cert_deleted_count")).intValue());
        String listed = call(intermediate, Operation.LIST, "certs/", Map.of()).get("keys").toString();
        assertTrue(listed.contains((String) kept.get("serial_number")) && !listed.contains((String) a.get("serial_number"))
                && !listed.contains((String) b.get("serial_number")), listed);

        call(intermediate, Operation.UPDATE, "config/crl", Map.of("enable_delta", true, "auto_rebuild", true));
        call(intermediate, Operation.UPDATE, "revoke", Map.of("serial_number", kept.get("serial_number")));
        String hex = ((String) kept.get("serial_number")).replace(":", "").toUpperCase(Locale.ROOT)
                .replaceFirst("^0+", "");
        String delta = write("delta.pem", new String(intermediate.handle(new Request(Operation.READ, "crl/delta/pem",
                Map.of())).rawBody(), StandardCharsets.US_ASCII));
        String deltaText = openssl("crl", "-in", delta, "-noout", "-text");
        assertTrue(deltaText.contains("Delta CRL Indicator") && deltaText.toUpperCase(Locale.ROOT).contains(hex),
                deltaText);
        String full = write("full.pem", new String(intermediate.handle(new Request(Operation.READ, "crl/pem", Map.of()))
                .rawBody(), StandardCharsets.US_ASCII));
        assertFalse(openssl("crl", "-in", full, "-noout", "-text").toUpperCase(Locale.ROOT).contains(hex),
                "auto_rebuild leaves the full CRL to its schedule");
        call(intermediate, Operation.READ, "crl/rotate", Map.of());
        String rotated = write("rotated.pem", new String(intermediate.handle(new Request(Operation.READ, "crl/pem",
                Map.of())).rawBody(), StandardCharsets.US_ASCII));
        assertTrue(openssl("crl", "-in", rotated, "-noout", "-text").toUpperCase(Locale.ROOT).contains(hex));
    }

    @Test
    void formatsKeyFormatsImportAndRevokeWithKey() throws Exception {
        chain();
        Map<String, Object> der = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "d.example.org",
                "format", "der", "private_key_format", "pkcs8"));
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder()
                        .decode((String) der.get("certificate"))));
        assertEquals("CN=d.example.org", parsed.getSubjectX500Principal().getName());
        Map<String, Object> bundle = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name",
                "b.example.org", "format", "pem_bundle", "private_key_format", "pkcs8", "exclude_cn_from_sans", true,
                "alt_names", "alt.example.org"));
        String pemBundle = (String) bundle.get("certificate");
        assertTrue(pemBundle.startsWith("-----BEGIN PRIVATE KEY-----") && pemBundle.split("BEGIN CERTIFICATE").length == 4,
                "key, leaf, intermediate and root");
        X509Certificate leaf = Pem.certificates(pemBundle).get(0);
        String sans = leaf.getSubjectAlternativeNames().toString();
        assertTrue(sans.contains("alt.example.org") && !sans.contains("b.example.org"), sans);

        // revoke-with-key: only the holder of the certificate's key may
        Map<String, Object> owned = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name",
                "o.example.org"));
        EngineException wrongKey = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                "revoke-with-key", Map.of("serial_number", owned.get("serial_number"), "private_key",
                        bundle.get("private_key"))));
        assertTrue(wrongKey.getMessage().contains("does not match"), wrongKey.getMessage());
        assertEquals("revoked", call(intermediate, Operation.UPDATE, "revoke-with-key", Map.of("serial_number",
                owned.get("serial_number"), "private_key", owned.get("private_key"))).get("state"));

        // a CA bundle (certificate + key) imported into a fresh mount signs from there
        InMemoryStorage other = new InMemoryStorage();
        PkiEngine imported = new PkiEngine(new EngineContext("imp/", other, Map.of(), Clock.systemUTC()),
                new StoredKeyManager(other));
        Map<String, Object> exported = call(root, Operation.UPDATE, "root/generate/exported", Map.of("common_name",
                "Portable Root", "key_type", "ec", "issuer_name", "portable"));
        Map<String, Object> result = call(imported, Operation.UPDATE, "issuers/import/bundle", Map.of("pem_bundle",
                exported.get("private_key") + "\n" + exported.get("certificate")));
        assertEquals(1, ((List<?>) result.get("imported_issuers")).size());
        assertEquals(1, ((List<?>) result.get("imported_keys")).size());
        call(imported, Operation.UPDATE, "roles/any", Map.of("allow_any_name", true, "key_type", "ec"));
        Map<String, Object> fromImport = call(imported, Operation.UPDATE, "issue/any", Map.of("common_name", "i.example.com"));
        String verify = openssl("verify", "-CAfile", write("portable.pem", (String) exported.get("certificate")),
                write("fromimport.pem", (String) fromImport.get("certificate")));
        assertTrue(verify.contains("OK"), verify);
        Response issuerPem = imported.handle(new Request(Operation.READ, "issuer/default/pem", Map.of()));
        assertEquals("application/pem-file", issuerPem.rawContentType());
        EngineException noKey = assertThrows(EngineException.class, () -> call(imported, Operation.UPDATE,
                "issuers/import/bundle", Map.of("pem_bundle", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")));
        assertEquals(400, noKey.status());
    }

    @Test
    void ipSansCanBeForbiddenAndAutoTidyRunsOnSchedule() {
        chain();
        call(intermediate, Operation.UPDATE, "roles/noip", Map.of("allowed_domains", "example.org", "allow_subdomains",
                true, "allow_ip_sans", false, "key_type", "ec"));
        EngineException ip = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE,
                "issue/noip", Map.of("common_name", "a.example.org", "ip_sans", "192.0.2.1")));
        assertTrue(ip.getMessage().contains("IP Subject Alternative Names are not allowed in this role"), ip.getMessage());
        assertEquals("Inactive", call(intermediate, Operation.READ, "tidy-status", Map.of()).get("state"));
        call(intermediate, Operation.UPDATE, "config/auto-tidy", Map.of("enabled", true, "interval_duration", "1h",
                "tidy_cert_store", true));
        intermediate.periodic(Instant.now());
        assertEquals("Finished", call(intermediate, Operation.READ, "tidy-status", Map.of()).get("state"));
        assertEquals(true, call(intermediate, Operation.READ, "config/auto-tidy", Map.of()).get("enabled"));
    }

    @Test
    void configuredUrlsAppearInIssuedCertificates() throws Exception {
        chain();
        call(intermediate, Operation.UPDATE, "config/urls", Map.of(
                "issuing_certificates", "https://vault.example.org/v1/pki_int/ca",
                "crl_distribution_points", "https://vault.example.org/v1/pki_int/crl",
                "ocsp_servers", "https://vault.example.org/v1/pki_int/ocsp"));
        Map<String, Object> leaf = call(intermediate, Operation.UPDATE, "issue/svc", Map.of("common_name", "u.example.org"));
        String text = openssl("x509", "-in", write("u.pem", (String) leaf.get("certificate")), "-noout", "-text");
        assertTrue(text.contains("CA Issuers - URI:https://vault.example.org/v1/pki_int/ca"), text);
        assertTrue(text.contains("OCSP - URI:https://vault.example.org/v1/pki_int/ocsp"), text);
        assertTrue(text.contains("X509v3 CRL Distribution Points") && text.contains("URI:https://vault.example.org/v1/pki_int/crl"),
                text);
        EngineException bad = assertThrows(EngineException.class, () -> call(intermediate, Operation.UPDATE, "config/urls",
                Map.of("ocsp_servers", "not a url")));
        assertTrue(bad.getMessage().contains("is not an absolute URL"), bad.getMessage());
    }
}
