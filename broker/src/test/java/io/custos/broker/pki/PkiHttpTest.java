package io.custos.broker.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PKI engine behind the broker: issuance over HTTP, the CA certificate, CRL and OCSP served
 * without a token in their raw content types (OCSP asked by {@code openssl ocsp -url}), and
 * {@code DELETE root} requiring sudo.
 */
@MicronautTest(transactional = false)
class PkiHttpTest extends BrokerHttpTest {
    private String root;
    private Path dir;

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        dir = Files.createTempDirectory("custos-pki-http");
        assertEquals(204, call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}").status());
        Reply ca = call("POST", "pki/root/generate/internal", root, "{\"common_name\":\"HTTP Root\",\"key_type\":\"ec\"}");
        assertEquals(200, ca.status(), () -> ca.json().toString());
        assertEquals(200, call("POST", "pki/roles/web", root, "{\"allowed_domains\":\"example.net\","
                + "\"allow_subdomains\":true,\"key_type\":\"ec\",\"max_ttl\":\"1h\"}").status());
    }

    private HttpResponse<byte[]> raw(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out;
    }

    @Test
    void caCrlAndOcspAreServedWithoutATokenInTheirOwnContentTypes() throws Exception {
        HttpResponse<byte[]> pem = raw("GET", "pki/ca/pem", null, null);
        assertEquals(200, pem.statusCode());
        assertEquals("application/pem-file", pem.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<byte[]> der = raw("GET", "pki/ca", null, null);
        assertEquals("application/pkix-cert", der.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<byte[]> crl = raw("GET", "pki/crl", null, null);
        assertEquals("application/pkix-crl", crl.headers().firstValue("Content-Type").orElse(""));
        Path caFile = dir.resolve("ca.pem");
        Files.write(caFile, pem.body());
        Path crlFile = dir.resolve("crl.der");
        Files.write(crlFile, crl.body());
        String parsed = openssl("crl", "-inform", "DER", "-in", crlFile.toString(), "-CAfile", caFile.toString(), "-noout");
        assertTrue(parsed.contains("verify OK"), parsed);

        JsonNode issued = call("POST", "pki/issue/web", root, "{\"common_name\":\"shop.example.net\"}").json().get("data");
        String serial = issued.get("serial_number").asText();
        assertEquals(issued.get("certificate").asText(), call("GET", "pki/cert/" + serial, null, null).json()
                .get("data").get("certificate").asText());
        assertEquals(403, call("LIST", "pki/certs", null, null).status(), "listing needs a token");
        assertEquals(403, call("POST", "pki/issue/web", null, "{\"common_name\":\"x.example.net\"}").status());

        Path leaf = dir.resolve("leaf.pem");
        Files.writeString(leaf, issued.get("certificate").asText() + "\n");
        String url = "http://127.0.0.1:" + server.getPort() + "/v1/pki/ocsp";
        String good = openssl("ocsp", "-issuer", caFile.toString(), "-cert", leaf.toString(), "-url", url, "-CAfile",
                caFile.toString());
        assertTrue(good.contains("Response verify OK") && good.contains(": good"), good);
        assertEquals(200, call("POST", "pki/revoke", root, "{\"serial_number\":\"" + serial + "\"}").status());
        String revoked = openssl("ocsp", "-issuer", caFile.toString(), "-cert", leaf.toString(), "-url", url, "-CAfile",
                caFile.toString());
        assertTrue(revoked.contains(": revoked"), revoked);
    }

    @Test
    void badIssuanceRequestsAre400sAndDeletingTheRootNeedsSudo() {
        Reply refused = call("POST", "pki/issue/web", root, "{\"common_name\":\"shop.example.com\"}");
        assertEquals(400, refused.status());
        assertEquals("common name shop.example.com not allowed by this role", refused.error());
        assertEquals(400, call("POST", "pki/issue/web", root, "{\"common_name\":\"a.example.net\",\"format\":\"p12\"}")
                .status());
        assertEquals(400, call("POST", "pki/sign/web", root, "{\"csr\":\"not a csr\"}").status());
        call("POST", "sys/policies/acl/pki-admin", root, "{\"policy\":\"path \\\"pki/*\\\" { capabilities = "
                + "[\\\"create\\\", \\\"read\\\", \\\"update\\\", \\\"delete\\\", \\\"list\\\"] }\"}");
        String admin = call("POST", "auth/token/create", root, "{\"policies\":[\"pki-admin\"]}").json().get("auth")
                .get("client_token").asText();
        assertEquals(200, call("POST", "pki/issue/web", admin, "{\"common_name\":\"a.example.net\"}").status());
        assertEquals(403, call("DELETE", "pki/root", admin, null).status());
    }

    @Test
    void generateLeaseGivesTheCertificateALeaseWhoseRevocationRevokesIt() {
        assertEquals(200, call("POST", "pki/roles/leased", root, "{\"allow_any_name\":true,\"key_type\":\"ec\","
                + "\"generate_lease\":true,\"ttl\":\"10m\"}").status());
        JsonNode issued = call("POST", "pki/issue/leased", root, "{\"common_name\":\"leased.example.io\"}").json();
        String lease = issued.get("lease_id").asText();
        assertTrue(lease.startsWith("pki/issue/leased/"), lease);
        assertEquals(600, issued.get("lease_duration").asLong(), 2);
        String serial = issued.get("data").get("serial_number").asText();
        assertEquals(0, call("GET", "pki/cert/" + serial, null, null).json().get("data").get("revocation_time").asLong());
        assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + lease + "\",\"sync\":true}")
                .status());
        assertTrue(call("GET", "pki/cert/" + serial, null, null).json().get("data").get("revocation_time").asLong() > 0);
    }

    @Test
    void ocspGetRequestsWithEncodedSlashesAreAnswered() throws Exception {
        HttpResponse<byte[]> pem = raw("GET", "pki/ca/pem", null, null);
        Path caFile = dir.resolve("ca-get.pem");
        Files.write(caFile, pem.body());
        for (int i = 0; i < 8; i++) {
            JsonNode issued = call("POST", "pki/issue/web", root, "{\"common_name\":\"get" + i + ".example.net\"}").json()
                    .get("data");
            Path leaf = dir.resolve("get" + i + ".pem");
            Files.writeString(leaf, issued.get("certificate").asText() + "\n");
            Path req = dir.resolve("get" + i + ".req");
            assertTrue(openssl("ocsp", "-issuer", caFile.toString(), "-cert", leaf.toString(), "-reqout",
                    req.toString(), "-no_nonce").startsWith("0:"));
            String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(req));
            String encoded = URLEncoder.encode(b64, StandardCharsets.UTF_8); // '/' -> %2F, '+' -> %2B
            HttpResponse<byte[]> answer = raw("GET", "pki/ocsp/" + encoded, null, null);
            assertEquals(200, answer.statusCode(), encoded);
            assertEquals("application/ocsp-response", answer.headers().firstValue("Content-Type").orElse(""));
            Path resp = dir.resolve("get" + i + ".resp");
            Files.write(resp, answer.body());
            String out = openssl("ocsp", "-respin", resp.toString(), "-CAfile", caFile.toString(), "-issuer",
                    caFile.toString(), "-cert", leaf.toString(), "-no_nonce");
            assertTrue(out.contains("Response verify OK") && out.contains(": good"), out);
        }
        // not base64: answered as RFC 6960 says, with an OCSP "malformedRequest" response
        HttpResponse<byte[]> malformed = raw("GET", "pki/ocsp/not%20base64!", null, null);
        assertEquals(200, malformed.statusCode());
        Path bad = dir.resolve("malformed.resp");
        Files.write(bad, malformed.body());
        assertTrue(openssl("ocsp", "-respin", bad.toString(), "-resp_text", "-noverify").contains("malformedrequest"));
    }
}
