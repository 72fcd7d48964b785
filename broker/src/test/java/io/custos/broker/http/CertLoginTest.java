package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certificate login as the review asked: the intermediates the client presents build the path,
 * serverAuth-only certificates are refused, and revocation counts — from a CRL stored at
 * auth/cert/crls/:name and from a local PKI mount's OCSP responder (asked over real HTTP). The
 * TLS handshake itself is replaced by the dispatcher request carrying the presented chain
 * (ProductionServerIT logs in through a real handshake).
 */
@MicronautTest(transactional = false)
class CertLoginTest extends BrokerHttpTest {
    private String root;
    private X509Certificate intermediate;

    @Inject
    RequestDispatcher dispatcher;

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        ok(call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}"));
        String rootPem = ok(call("POST", "pki/root/generate/internal", root,
                "{\"common_name\":\"Login Root\",\"key_type\":\"ec\"}")).json().get("data").get("certificate").asText();
        ok(call("POST", "sys/mounts/pki_int", root, "{\"type\":\"pki\"}"));
        String csr = ok(call("POST", "pki_int/intermediate/generate/internal", root,
                "{\"common_name\":\"Login Int\",\"key_type\":\"ec\"}")).json().get("data").get("csr").asText();
        String signed = ok(call("POST", "pki/root/sign-intermediate", root, json(Map.of("csr", csr,
                "common_name", "Login Int", "ttl", "8760h")))).json().get("data").get("certificate").asText();
        ok(call("POST", "pki_int/intermediate/set-signed", root, json(Map.of("certificate", signed))));
        intermediate = pem(signed);
        ok(call("POST", "pki_int/config/urls", root, json(Map.of("ocsp_servers",
                List.of("http://127.0.0.1:" + server.getPort() + "/v1/pki_int/ocsp")))));
        ok(call("POST", "pki_int/roles/client", root, "{\"allow_any_name\":true,\"key_type\":\"ec\","
                + "\"client_flag\":true,\"server_flag\":false}"));
        ok(call("POST", "pki_int/roles/server", root, "{\"allow_any_name\":true,\"key_type\":\"ec\","
                + "\"client_flag\":false,\"server_flag\":true}"));
        ok(call("POST", "sys/auth/cert", root, "{\"type\":\"cert\"}"));
        ok(call("POST", "auth/cert/certs/root", root, json(Map.of("certificate", rootPem, "token_policies", "default"))));
        ok(call("POST", "sys/auth/ocsp", root, "{\"type\":\"cert\"}"));
        ok(call("POST", "auth/ocsp/certs/root", root, json(Map.of("certificate", rootPem, "ocsp_enabled", true))));
        ok(call("POST", "auth/ocsp/certs/down", root, json(Map.of("certificate", rootPem, "ocsp_enabled", true,
                "ocsp_servers_override", List.of("http://127.0.0.1:1/ocsp")))));
        ok(call("POST", "auth/ocsp/certs/open", root, json(Map.of("certificate", rootPem, "ocsp_enabled", true,
                "ocsp_servers_override", List.of("http://127.0.0.1:1/ocsp"), "ocsp_fail_open", true))));
    }

    private static String json(Object o) throws Exception {
        return Json.MAPPER.writeValueAsString(o);
    }

    private static Reply ok(Reply r) {
        assertTrue(r.status() < 300, () -> "HTTP " + r.status() + ": " + r.json());
        return r;
    }

    private static X509Certificate pem(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonNode issue(String role, String cn) {
        return ok(call("POST", "pki_int/issue/" + role, root, "{\"common_name\":\"" + cn + "\",\"ttl\":\"1h\"}")).json().get("data");
    }

    /** A login as the TLS layer would hand it over: the client's certificate, then what it sent after it. */
    private ApiResponse login(String mount, String certName, X509Certificate... presented) {
        byte[] body = ("{\"name\":\"" + certName + "\"}").getBytes(StandardCharsets.UTF_8);
        return dispatcher.dispatch(new ApiRequest("POST", "auth/" + mount + "/login", Map.of(), body,
                "application/json", null, "127.0.0.1", null, List.of(presented)));
    }

    private static String error(ApiResponse r) throws Exception {
        return Json.MAPPER.readTree(r.body()).get("errors").get(0).asText();
    }

    @Test
    void theIntermediatesTheClientPresentsBuildThePath() throws Exception {
        X509Certificate leaf = pem(issue("client", "svc-a.example").get("certificate").asText());
        assertEquals(200, login("cert", "root", leaf, intermediate).status());
        assertEquals(400, login("cert", "root", leaf).status(), "no path to the root without the intermediate");
    }

    @Test
    void aServerAuthOnlyCertificateCannotLogIn() throws Exception {
        X509Certificate serverOnly = pem(issue("server", "web.example").get("certificate").asText());
        ApiResponse r = login("cert", "root", serverOnly, intermediate);
        assertEquals(400, r.status());
        assertTrue(error(r).contains("client authentication"), error(r));
    }

    @Test
    void aCertificateRevokedInAStoredCrlCannotLogIn() throws Exception {
        JsonNode revoked = issue("client", "gone.example");
        X509Certificate leaf = pem(revoked.get("certificate").asText());
        X509Certificate other = pem(issue("client", "kept.example").get("certificate").asText());
        assertEquals(200, login("cert", "root", leaf, intermediate).status());
        ok(call("POST", "pki_int/revoke", root, json(Map.of("serial_number", revoked.get("serial_number").asText()))));
        HttpResponse<String> crl = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/v1/pki_int/crl/pem")).build(), HttpResponse.BodyHandlers.ofString());
        ok(call("POST", "auth/cert/crls/int", root, json(Map.of("crl", crl.body()))));
        assertTrue(call("GET", "auth/cert/crls/int", root, null).json().get("data").get("serials")
                .has(leaf.getSerialNumber().toString(16)));
        ApiResponse r = login("cert", "root", leaf, intermediate);
        assertEquals(400, r.status());
        assertTrue(error(r).contains("revoked"), error(r));
        assertEquals(200, login("cert", "root", other, intermediate).status());
        assertEquals(400, call("POST", "auth/cert/crls/bad", root, "{\"crl\":\"not a crl\"}").status());
    }

    @Test
    void theLocalPkiMountsOcspResponderIsAskedAndFailsClosed() throws Exception {
        JsonNode good = issue("client", "ocsp-good.example");
        JsonNode bad = issue("client", "ocsp-bad.example");
        X509Certificate goodLeaf = pem(good.get("certificate").asText());
        X509Certificate badLeaf = pem(bad.get("certificate").asText());
        assertEquals(200, login("ocsp", "root", goodLeaf, intermediate).status());
        assertEquals(200, login("ocsp", "root", badLeaf, intermediate).status());
        ok(call("POST", "pki_int/revoke", root, json(Map.of("serial_number", bad.get("serial_number").asText()))));
        ApiResponse r = login("ocsp", "root", badLeaf, intermediate);
        assertEquals(400, r.status());
        assertTrue(error(r).contains("revoked"), error(r));
        assertEquals(200, login("ocsp", "root", goodLeaf, intermediate).status());
        // no responder answers: refused unless the role chose to fail open
        assertEquals(400, login("ocsp", "down", goodLeaf, intermediate).status());
        assertEquals(200, login("ocsp", "open", goodLeaf, intermediate).status());
    }
}
