package io.custos.broker.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PKI as cert-manager's Vault issuer, Terraform's {@code vault_pki_secret_backend_role} and Vault
 * Agent's {@code pkiCert} call it.
 */
@MicronautTest(transactional = false)
class PkiContractTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}");
        assertEquals(200, call("POST", "pki/root/generate/internal", root,
                "{\"common_name\":\"Contract Root\",\"key_type\":\"ec\",\"ttl\":\"87600h\"}").status());
        assertEquals(200, call("POST", "pki/roles/cm", root, "{\"allowed_domains\":\"example.com\","
                + "\"allow_subdomains\":true,\"key_type\":\"any\",\"max_ttl\":\"72h\",\"allowed_uri_sans\":\"spiffe://*\"}")
                .status());
    }

    private static String csr(String cn) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        var req = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(req);
        }
        return w.toString();
    }

    private static X509Certificate cert(String pem) throws Exception {
        Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        return (X509Certificate) all.iterator().next();
    }

    @Test
    void certManagerAsksForNinetyDaysAndGetsTheRolesMaxWithVaultsWarning() throws Exception {
        // cert-manager's Vault issuer: every value a string, its Certificate's duration as ttl
        Map<String, Object> body = Map.of("common_name", "app.example.com", "alt_names", "app.example.com",
                "ip_sans", "", "uri_sans", "", "ttl", "2160h0m0s", "csr", csr("app.example.com"),
                "exclude_cn_from_sans", "false");
        Reply r = call("POST", "pki/sign/cm", root, new String(Json.write(body), StandardCharsets.UTF_8));
        assertEquals(200, r.status(), String.valueOf(r.json()));
        assertEquals("TTL \"2160h0m0s\" is longer than permitted maxTTL \"72h0m0s\", so maxTTL is being used",
                r.json().get("warnings").get(0).asText());
        X509Certificate c = cert(r.json().get("data").get("certificate").asText());
        long hours = Duration.between(Instant.now(), c.getNotAfter().toInstant()).toHours();
        assertTrue(hours >= 71 && hours <= 72, "notAfter " + c.getNotAfter());
        assertTrue(r.json().get("data").has("issuing_ca"));
        assertTrue(r.json().get("data").get("ca_chain").isArray());
        // and issue/ caps the same way
        Reply issued = call("POST", "pki/roles/gen", root, "{\"allowed_domains\":\"example.com\",\"allow_subdomains\":true,"
                + "\"key_type\":\"ec\",\"max_ttl\":\"1h\"}");
        assertEquals(200, issued.status());
        Reply leaf = call("POST", "pki/issue/gen", root, "{\"common_name\":\"x.example.com\",\"ttl\":\"5h\"}");
        assertEquals(200, leaf.status());
        assertTrue(leaf.json().get("warnings").get(0).asText().contains("so maxTTL is being used"));
    }

    @Test
    void beyondTheIssuerErrByDefaultTruncateOrPermitWhenTheIssuerSaysSo() {
        call("POST", "sys/mounts/short", root, "{\"type\":\"pki\"}");
        call("POST", "short/root/generate/internal", root, "{\"common_name\":\"Short Root\",\"key_type\":\"ec\","
                + "\"ttl\":\"2h\"}");
        call("POST", "short/roles/r", root, "{\"allow_any_name\":true,\"key_type\":\"ec\",\"max_ttl\":\"100h\"}");
        Reply err = call("POST", "short/issue/r", root, "{\"common_name\":\"a.example.com\",\"ttl\":\"10h\"}");
        assertEquals(400, err.status());
        assertTrue(err.error().startsWith("cannot satisfy request, as TTL would result in notAfter of"), err.error());
        assertEquals(200, call("POST", "short/issuer/default", root, "{\"leaf_not_after_behavior\":\"truncate\"}")
                .status());
        assertEquals("truncate", call("GET", "short/issuer/default", root, null).json().get("data")
                .get("leaf_not_after_behavior").asText());
        assertEquals(200, call("POST", "short/issue/r", root, "{\"common_name\":\"a.example.com\",\"ttl\":\"10h\"}")
                .status());
        assertEquals(400, call("POST", "short/issuer/default", root, "{\"leaf_not_after_behavior\":\"sometimes\"}")
                .status());
    }

    @Test
    void terraformRoleWithEveryVaultFieldReadsBackAndUnsupportedValuesAreRefused() {
        String body = "{\"ttl\":\"3600\",\"max_ttl\":\"7200\",\"allow_localhost\":true,\"allowed_domains\":[\"example.com\"],"
                + "\"allowed_domains_template\":false,\"allow_bare_domains\":false,\"allow_subdomains\":true,"
                + "\"allow_glob_domains\":false,\"allow_any_name\":false,\"enforce_hostnames\":true,\"allow_ip_sans\":true,"
                + "\"allowed_uri_sans\":[],\"allowed_uri_sans_template\":false,\"allowed_other_sans\":[],"
                + "\"allowed_serial_numbers\":[],\"server_flag\":true,\"client_flag\":true,\"code_signing_flag\":true,"
                + "\"email_protection_flag\":false,\"key_type\":\"ec\",\"key_bits\":256,\"signature_bits\":0,"
                + "\"key_usage\":[\"DigitalSignature\"],\"ext_key_usage\":[],\"ext_key_usage_oids\":[\"1.3.6.1.5.5.7.3.9\"],"
                + "\"use_csr_common_name\":true,\"use_csr_sans\":true,\"ou\":[],\"organization\":[],\"country\":[],"
                + "\"locality\":[],\"province\":[],\"street_address\":[],\"postal_code\":[],\"generate_lease\":false,"
                + "\"no_store\":false,\"require_cn\":true,\"policy_identifiers\":[],"
                + "\"basic_constraints_valid_for_non_ca\":false,\"not_before_duration\":\"30\",\"allowed_user_ids\":[],"
                + "\"cn_validations\":[\"email\",\"hostname\"],\"issuer_ref\":\"default\",\"use_pss\":false,"
                + "\"not_after\":\"\",\"allow_wildcard_certificates\":true}";
        Reply w = call("POST", "pki/roles/tf", root, body);
        assertEquals(200, w.status(), String.valueOf(w.json()));
        assertTrue(w.json().get("warnings") == null || w.json().get("warnings").isNull(),
                "no field silently dropped: " + w.json().get("warnings"));
        JsonNode role = call("GET", "pki/roles/tf", root, null).json().get("data");
        assertTrue(role.get("code_signing_flag").asBoolean());
        assertEquals("1.3.6.1.5.5.7.3.9", role.get("ext_key_usage_oids").get(0).asText());
        assertEquals("[\"email\",\"hostname\"]", role.get("cn_validations").toString());
        assertEquals(0, role.get("signature_bits").asLong());
        Reply refused = call("POST", "pki/roles/tf2", root, "{\"use_pss\":true}");
        assertEquals(400, refused.status());
        assertTrue(refused.error().startsWith("use_pss is not supported"), refused.error());
        assertEquals(400, call("POST", "pki/roles/tf2", root, "{\"allowed_other_sans\":[\"1.2.3;UTF8:x\"]}").status());
        assertEquals(400, call("POST", "pki/roles/tf2", root, "{\"ext_key_usage_oids\":[\"not.an.oid\"]}").status());
    }

    @Test
    void vaultAgentPkiCertAndCertificateReads() throws Exception {
        call("POST", "pki/roles/agent", root, "{\"allow_any_name\":true,\"enforce_hostnames\":false,\"key_type\":\"ec\","
                + "\"max_ttl\":\"1h\",\"code_signing_flag\":true}");
        // pkiCert "pki/issue/agent" "common_name=My Service": a PUT of the key=value pairs
        Reply r = call("PUT", "pki/issue/agent", root, "{\"common_name\":\"My Service\"}");
        assertEquals(200, r.status(), String.valueOf(r.json()));
        JsonNode d = r.json().get("data");
        for (String f : List.of("certificate", "issuing_ca", "ca_chain", "private_key", "private_key_type",
                "serial_number", "expiration")) {
            assertTrue(d.has(f), f);
        }
        X509Certificate c = cert(d.get("certificate").asText());
        assertTrue(c.getSubjectAlternativeNames() == null || c.getSubjectAlternativeNames().isEmpty(),
                "a CN that is no hostname is not copied into the DNS SANs");
        assertTrue(c.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.3"), "code_signing_flag");
        String serial = d.get("serial_number").asText();
        call("POST", "pki/revoke", root, "{\"serial_number\":\"" + serial + "\"}");
        JsonNode read = call("GET", "pki/cert/" + serial, root, null).json().get("data");
        assertTrue(read.get("revocation_time").asLong() > 0);
        assertEquals(Instant.ofEpochSecond(read.get("revocation_time").asLong()).toString(),
                read.get("revocation_time_rfc3339").asText());
        assertFalse(read.get("issuer_id").asText().isEmpty());
        JsonNode chain = call("GET", "pki/cert/ca_chain", root, null).json().get("data");
        assertTrue(chain.get("certificate").asText().startsWith("-----BEGIN CERTIFICATE-----"));
        // hostnames are still copied
        X509Certificate named = cert(call("PUT", "pki/issue/agent", root, "{\"common_name\":\"svc.example.com\"}").json()
                .get("data").get("certificate").asText());
        assertEquals("svc.example.com", named.getSubjectAlternativeNames().iterator().next().get(1));
    }

    @Test
    void aBatchTokensLeasesBelongToItsParentAndEndWithTheBatchToken() {
        call("POST", "pki/roles/leased", root, "{\"allow_any_name\":true,\"key_type\":\"ec\",\"max_ttl\":\"24h\","
                + "\"generate_lease\":true}");
        call("PUT", "sys/policies/acl/issuer", root, "{\"policy\":\"path \\\"pki/issue/leased\\\" { capabilities = "
                + "[\\\"update\\\"] }\\npath \\\"auth/token/create\\\" { capabilities = [\\\"update\\\"] }\"}");
        String parent = call("POST", "auth/token/create", root, "{\"policies\":[\"issuer\"],\"ttl\":\"2h\"}").json()
                .get("auth").get("client_token").asText();
        String batch = call("POST", "auth/token/create", parent, "{\"type\":\"batch\",\"policies\":[\"issuer\"],"
                + "\"ttl\":\"10m\"}").json().get("auth").get("client_token").asText();
        Reply issued = call("POST", "pki/issue/leased", batch, "{\"common_name\":\"leased.example.com\",\"ttl\":\"5h\"}");
        assertEquals(200, issued.status(), String.valueOf(issued.json()));
        String lease = issued.json().get("lease_id").asText();
        assertTrue(issued.json().get("lease_duration").asLong() <= 600, "capped by the batch token's expiry");
        assertEquals(200, call("PUT", "sys/leases/lookup", root, "{\"lease_id\":\"" + lease + "\"}").status());
        Reply renew = call("PUT", "sys/leases/renew", root, "{\"lease_id\":\"" + lease + "\"}");
        assertEquals(400, renew.status());
        assertEquals("lease is not renewable", renew.error()); // Vault's text, which clients match on
        call("POST", "auth/token/revoke-self", parent, null);
        // the parent's revocation queues its leases, the batch token's among them
        long deadline = System.nanoTime() + 20_000_000_000L;
        int status = 200;
        while (status == 200 && System.nanoTime() < deadline) {
            status = call("PUT", "sys/leases/lookup", root, "{\"lease_id\":\"" + lease + "\"}").status();
            if (status == 200) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        assertEquals(400, status, "the lease went with the batch token's parent");
        assertEquals(403, call("GET", "auth/token/lookup-self", batch, null).status());
    }

    @Test
    void tidyStatusTimesAreRfc3339AndATidyWithNothingToDoIsRefused() {
        assertEquals(400, call("POST", "pki/tidy", root, "{}").status());
        assertEquals(202, call("POST", "pki/tidy", root, "{\"tidy_cert_store\":true}").status());
        JsonNode s = call("GET", "pki/tidy-status", root, null).json().get("data");
        assertEquals("Finished", s.get("state").asText());
        Instant.parse(s.get("time_started").asText());
        Instant.parse(s.get("time_finished").asText());
    }
}
