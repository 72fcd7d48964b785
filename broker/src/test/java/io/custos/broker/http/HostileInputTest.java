package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Inputs chosen to break parsers and arithmetic: every one is a 4xx with Vault's error shape, never a 500. */
@MicronautTest(transactional = false)
class HostileInputTest extends BrokerHttpTest {
    private String token;

    @BeforeAll
    void setUp() {
        token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        call("POST", "sys/mounts/database", token, "{\"type\":\"database\"}");
        call("POST", "sys/mounts/pki", token, "{\"type\":\"pki\"}");
        call("POST", "pki/root/generate/internal", token, "{\"common_name\":\"Hostile Root\",\"key_type\":\"ec\"}");
        call("POST", "pki/roles/r", token, "{\"allow_any_name\":true,\"key_type\":\"ec\"}");
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("POST", "secret/metadata/n", "{\"delete_version_after\": 1e300}"),
                Arguments.of("POST", "secret/metadata/n", "{\"delete_version_after\": \"99999999999999999999h\"}"),
                Arguments.of("POST", "secret/metadata/n", "{\"delete_version_after\": \"99999999999999999999999\"}"),
                Arguments.of("POST", "secret/metadata/n", "{\"max_versions\": 1e300}"),
                Arguments.of("POST", "secret/metadata/n", "{\"max_versions\": 9223372036854775808}"),
                Arguments.of("POST", "secret/metadata/n", "{\"custom_metadata\": {\"a\": null}}"),
                Arguments.of("POST", "secret/metadata/n", "{\"custom_metadata\": [1,2]}"),
                Arguments.of("GET", "secret/data/n?version=99999999999999999999999", null),
                Arguments.of("GET", "secret/subkeys/n?depth=-1", null),
                Arguments.of("POST", "secret/data/n", "{\"data\":{\"a\":1},\"options\":{\"cas\":1.5}}"),
                Arguments.of("POST", "secret/data/n", "{\"data\":{\"a\":1},\"options\":\"cas\"}"),
                Arguments.of("POST", "secret/data/n", "[".repeat(5000) + "]".repeat(5000)),
                Arguments.of("POST", "secret/data/n", "{\"data\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3001)),
                Arguments.of("POST", "secret/data/n", "\u0000"),
                Arguments.of("POST", "secret/data/n", "null"),
                Arguments.of("POST", "secret/data/n", "{\"data\":{\"a\":1}} trailing"),
                Arguments.of("POST", "secret/data/%00", "{\"data\":{}}"),
                Arguments.of("POST", "secret/data/a%2Fb", "{\"data\":{}}"),
                Arguments.of("POST", "secret/data/a//b", "{\"data\":{}}"),
                Arguments.of("GET", "secret/ocsp/a%2Fb.c", null),
                Arguments.of("GET", "sys/ocsp/a%2Fb", null),
                Arguments.of("POST", "pki//ocsp", null),
                Arguments.of("POST", "sys/mounts/m", "{\"type\":\"kv\",\"config\":{\"max_lease_ttl\":1e300}}"),
                Arguments.of("POST", "sys/mounts/m", "{\"type\":\"kv\",\"options\":{\"version\":{\"a\":1}}}"),
                Arguments.of("POST", "sys/mounts/m", "{\"type\":\"kv\",\"options\":\"2\"}"),
                Arguments.of("POST", "sys/unseal", "{\"key\": 12345}"),
                Arguments.of("POST", "sys/init", "{\"secret_shares\":\"many\"}"),
                Arguments.of("GET", "sys/health?activecode=1000", null),
                Arguments.of("LIST", "sys/mounts", null),
                Arguments.of("PUT", "secret/subkeys/x", "{}"),
                Arguments.of("PUT", "sys/policies/acl/x", "{\"policy\": 5}"),
                Arguments.of("PUT", "sys/policies/acl/x", "{\"policy\":\"path \\\"a\\\" { capabilities = [1] }\"}"),
                Arguments.of("PUT", "sys/policies/acl/x", "{\"policy\":\"{\\\"path\\\":[1,2]}\"}"),
                Arguments.of("PUT", "sys/policies/acl/bad%20name", "{\"policy\":\"path \\\"a\\\" {}\"}"),
                Arguments.of("POST", "auth/token/create", "{\"ttl\":\"-1h\"}"),
                Arguments.of("POST", "auth/token/create", "{\"policies\":{\"a\":1}}"),
                Arguments.of("POST", "auth/token/create", "{\"num_uses\":-3}"),
                Arguments.of("POST", "auth/token/renew-self", "{\"increment\":\"later\"}"),
                Arguments.of("POST", "auth/token/lookup", "{}"),
                Arguments.of("POST", "auth/token/revoke-accessor", "{\"accessor\":[1]}"),
                Arguments.of("POST", "sys/wrapping/unwrap", "{\"token\": 123}"),
                Arguments.of("POST", "sys/auth/x", "{\"type\":\"nope\"}"),
                Arguments.of("POST", "sys/auth/token", "{\"type\":\"approle\"}"),
                Arguments.of("POST", "sys/audit-hash/nope", "{\"input\":\"x\"}"),
                Arguments.of("POST", "auth/nomethod/login", "{}"),
                Arguments.of("POST", "pki/root/generate/internal", "{\"common_name\":\"x\",\"ttl\":\"99999999999h\"}"),
                Arguments.of("POST", "pki/root/generate/internal", "{\"common_name\":\"x\",\"key_type\":\"dsa\"}"),
                Arguments.of("POST", "pki/root/generate/internal", "{\"common_name\":\"x\",\"key_bits\":\"many\"}"),
                Arguments.of("POST", "pki/root/generate/internal", "{\"common_name\":\"x\",\"max_path_length\":1e300}"),
                Arguments.of("POST", "pki/root/generate/internal", "{\"common_name\":\"x\",\"ip_sans\":\"1.2.3.4.5\"}"),
                Arguments.of("POST", "pki/root/generate/exported", "{}"),
                Arguments.of("POST", "pki/issue/r", "{\"common_name\":\"" + "a".repeat(5000) + "\"}"),
                Arguments.of("POST", "pki/issue/r", "{\"common_name\":\"a.example.com\",\"ip_sans\":\"999.1.1.1\"}"),
                Arguments.of("POST", "pki/issue/r", "{\"common_name\":\"a.example.com\",\"ttl\":\"99999999999h\"}"),
                Arguments.of("POST", "pki/issue/r", "{\"common_name\":\"a.example.com\",\"alt_names\":[{\"a\":1}]}"),
                Arguments.of("POST", "pki/sign/r", "{\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\"}"),
                Arguments.of("POST", "pki/sign-verbatim", "{\"csr\":\"\"}"),
                Arguments.of("POST", "pki/revoke", "{\"serial_number\":\"zz:zz\"}"),
                Arguments.of("POST", "pki/revoke", "{\"certificate\":\"not pem\"}"),
                Arguments.of("POST", "pki/issuers/import/bundle", "{\"pem_bundle\":\"-----BEGIN CERTIFICATE-----\\n!!\\n-----END CERTIFICATE-----\"}"),
                Arguments.of("POST", "pki/config/issuers", "{\"default\":\"nope\"}"),
                Arguments.of("POST", "pki/roles/bad", "{\"ttl\":\"2h\",\"max_ttl\":\"1h\"}"),
                Arguments.of("POST", "pki/tidy", "{\"safety_buffer\":\"soon\"}"),
                Arguments.of("POST", "pki/config/crl", "{\"expiry\":\"-1h\"}"),
                Arguments.of("GET", "pki/crl/delta", null),
                Arguments.of("POST", "database/config/x", "{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":\"postgresql://h/db\",\"verify_connection\":false,\"max_open_connections\":-1}"),
                Arguments.of("POST", "database/config/x", "{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":\"host='unterminated\",\"verify_connection\":false}"),
                Arguments.of("POST", "database/config/x", "{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":\"postgresql://h/db\",\"verify_connection\":false,\"password_authentication\":\"md5\"}"),
                Arguments.of("POST", "database/roles/x", "{\"db_name\":\"x\",\"creation_statements\":[1,{}]}"),
                Arguments.of("POST", "database/roles/x", "{\"db_name\":\"x\",\"creation_statements\":\"SELECT 1\",\"default_ttl\":\"-5s\"}"),
                Arguments.of("GET", "database/creds/none", null),
                Arguments.of("POST", "database/static-roles/s", "{\"db_name\":\"none\",\"username\":\"u\",\"rotation_period\":\"1s\"}"),
                Arguments.of("POST", "database/rotate-root/none", "{}"),
                Arguments.of("POST", "sys/leases/renew", "{\"lease_id\":{\"a\":1}}"),
                Arguments.of("POST", "sys/leases/lookup", "{\"lease_id\":\"" + "x/".repeat(500) + "\"}"),
                Arguments.of("GET", "sys/leases?type=irrevocable&limit=lots", null),
                Arguments.of("PUT", "sys/policies/password/p", "{\"policy\":\"length = 1e9\"}"),
                Arguments.of("PUT", "sys/policies/password/p", "{\"policy\":\"length = 20\\nrule \\\"charset\\\" { charset = \\\"\\\" }\"}"),
                Arguments.of("GET", "sys/policies/password/none/generate", null),
                // last: the server must close the connection after an over-long request line
                Arguments.of("GET", "secret/data/" + "a/".repeat(3000) + "b", null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hostile")
    void isA4xxWithAnErrorsArray(String method, String path, String body) {
        Reply r = call(method, path, token, body);
        assertTrue(r.status() >= 400 && r.status() < 500, method + " " + path + " -> " + r.status() + " " + r.json());
        assertTrue(r.json() == null || r.json().get("errors").isArray(), String.valueOf(r.json()));
    }

    @Test
    void numbersInSecretsRoundTripExactly() {
        assertEquals(200, call("POST", "secret/data/numbers", token,
                "{\"data\":{\"big\":1e400,\"precise\":0.1,\"huge\":123456789012345678901234567890}}").status());
        Reply r = call("GET", "secret/data/numbers", token, null);
        assertEquals(200, r.status());
        assertEquals("1E+400", r.json().get("data").get("data").get("big").decimalValue().toString());
        assertEquals("0.1", r.json().get("data").get("data").get("precise").decimalValue().toPlainString());
        assertEquals("123456789012345678901234567890", r.json().get("data").get("data").get("huge").bigIntegerValue().toString());
    }
}
