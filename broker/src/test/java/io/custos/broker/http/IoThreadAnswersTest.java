package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.storage.ChangeFeed;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests of nonBlocking paths (KV v2 reads, PKI issuance of EC keys) answered on the I/O thread
 * from memory — a certificate to store committed, with others, before the answer is sent — and
 * everything such an attempt cannot finish — a cache miss, a token use to spend, an RSA key, an
 * audit record — run once, completely, on a worker.
 */
@MicronautTest(transactional = false)
class IoThreadAnswersTest extends BrokerHttpTest {
    private String root;

    @Inject
    ChangeFeed feed;

    @BeforeAll
    void setUp() throws InterruptedException {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
        call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}");
        call("POST", "pki/root/generate/internal", root, "{\"common_name\":\"Root\",\"key_type\":\"ec\"}");
        for (String[] role : new String[][] {{"ec-nostore", "ec", "true"}, {"ec-store", "ec", "false"},
            {"rsa-nostore", "rsa", "true"}, {"rsa-store", "rsa", "false"}}) {
            assertEquals(200, call("POST", "pki/roles/" + role[0], root, "{\"allow_any_name\":true,\"key_type\":\""
                    + role[1] + "\",\"no_store\":" + role[2] + ",\"ttl\":\"1h\"}").status());
        }
        call("POST", "secret/data/app", root, "{\"data\":{\"password\":\"p1\"}}");
        // the notifications of these writes drop what the engines decoded when they arrive: before any warming
        assertTrue(feed.caughtUp(Duration.ofSeconds(10)), "the change feed heard the set-up");
    }

    private double ioThread(String outcome) throws Exception {
        return ioThreadCount(root, outcome);
    }

    private static X509Certificate certificate(JsonNode data) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(data.get("certificate").asText().getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void issuanceThatStoresNothingIsAnsweredOnTheIoThread() throws Exception {
        call("POST", "pki/issue/ec-nostore", root, "{\"common_name\":\"warm.example.com\"}");
        double answered = ioThread("answered");
        Reply r = call("POST", "pki/issue/ec-nostore", root, "{\"common_name\":\"a.example.com\"}");
        assertEquals(200, r.status());
        assertEquals("CN=a.example.com", certificate(r.json().get("data")).getSubjectX500Principal().getName());
        assertTrue(r.json().get("data").get("private_key").asText().contains("PRIVATE KEY"));
        assertEquals(answered + 1, ioThread("answered"));
    }

    /** How many times {@code serial} is listed under pki/certs. */
    private long listed(String serial) {
        long n = 0;
        for (JsonNode k : call("LIST", "pki/certs", root, null).json().get("data").get("keys")) {
            n += k.asText().equals(serial) ? 1 : 0;
        }
        return n;
    }

    @Test
    void storedIssuanceIsAnsweredOnTheIoThreadOnceTheCertificateIsCommitted() throws Exception {
        call("POST", "pki/issue/ec-store", root, "{\"common_name\":\"warm.example.com\"}"); // the role in memory
        double answered = ioThread("answered");
        double wouldBlock = ioThread("would_block");
        Reply stored = call("POST", "pki/issue/ec-store", root, "{\"common_name\":\"s.example.com\"}");
        assertEquals(200, stored.status());
        assertEquals(answered + 1, ioThread("answered"));
        assertEquals(wouldBlock, ioThread("would_block"), "the write was deferred, not a reason to start again");
        String serial = stored.json().get("data").get("serial_number").asText();
        // committed before the answer left: readable at once, and stored exactly once
        Reply read = call("GET", "pki/cert/" + serial, root, null);
        assertEquals(200, read.status());
        assertEquals(stored.json().get("data").get("certificate").asText().trim(),
                read.json().get("data").get("certificate").asText().trim());
        assertEquals(1, listed(serial));
    }

    @Test
    void issuanceThatMakesAnRsaKeyRunsOnAWorkerOnce() throws Exception {
        call("POST", "pki/issue/rsa-nostore", root, "{\"common_name\":\"warm.example.com\"}");
        call("POST", "pki/issue/rsa-store", root, "{\"common_name\":\"warm.example.com\"}");
        double answered = ioThread("answered");
        double wouldBlock = ioThread("would_block");
        Reply rsa = call("POST", "pki/issue/rsa-nostore", root, "{\"common_name\":\"r.example.com\"}");
        assertEquals("RSA", certificate(rsa.json().get("data")).getPublicKey().getAlgorithm());
        Reply stored = call("POST", "pki/issue/rsa-store", root, "{\"common_name\":\"rs.example.com\"}");
        assertEquals(200, stored.status());
        String serial = stored.json().get("data").get("serial_number").asText();
        assertEquals(200, call("GET", "pki/cert/" + serial, root, null).status());
        assertEquals(1, listed(serial), "a worker's record is committed before it answers too, once");
        // declined before any work: neither answered on the I/O thread nor started there
        assertEquals(answered, ioThread("answered"));
        assertEquals(wouldBlock, ioThread("would_block"));
    }

    @Test
    void aReadTheCacheCannotAnswerIsRunAgainOnAWorkerWithTheSameAnswer() throws Exception {
        double wouldBlock = ioThread("would_block");
        Reply absent = call("GET", "secret/data/never-written", root, null);
        assertEquals(404, absent.status());
        assertEquals(wouldBlock + 1, ioThread("would_block"), "the first read needs PostgreSQL");
        double answered = ioThread("answered");
        assertEquals(404, call("GET", "secret/data/never-written", root, null).status());
        assertEquals(answered + 1, ioThread("answered"), "the second is answered from memory");

        call("POST", "secret/data/app", root, "{\"data\":{\"password\":\"p2\"}}");
        // the write's own notification drops what the engine decoded when it arrives: hear it before warming
        assertTrue(feed.caughtUp(Duration.ofSeconds(10)), "the change feed heard the write");
        Reply read = call("GET", "secret/data/app", root, null);
        assertEquals("p2", read.json().get("data").get("data").get("password").asText());
        assertEquals(2, read.json().get("data").get("metadata").get("version").asInt());

        for (String path : new String[] {"secret/metadata/app", "secret/subkeys/app"}) {
            call("GET", path, root, null);
            double before = ioThread("answered");
            Reply again = call("GET", path, root, null);
            assertEquals(200, again.status(), path);
            assertEquals(before + 1, ioThread("answered"), path + " answered from memory");
        }
        assertEquals(2, call("GET", "secret/metadata/app", root, null).json().get("data").get("current_version").asInt());
        assertTrue(call("GET", "secret/subkeys/app", root, null).json().get("data").get("subkeys").has("password"));
    }

    @Test
    void aTokenWithUsesSpendsExactlyOnePerRead() throws Exception {
        call("PUT", "sys/policies/acl/reader", root,
                "{\"policy\":\"path \\\"secret/data/*\\\" { capabilities = [\\\"read\\\"] }\"}");
        String limited = call("POST", "auth/token/create", root, "{\"policies\":[\"reader\"],\"num_uses\":2}")
                .json().get("auth").get("client_token").asText();
        double wouldBlock = ioThread("would_block");
        assertEquals(200, call("GET", "secret/data/app", limited, null).status());
        assertEquals(200, call("GET", "secret/data/app", limited, null).status());
        assertEquals(403, call("GET", "secret/data/app", limited, null).status(), "two uses, two reads");
        assertTrue(ioThread("would_block") >= wouldBlock + 2, "spending a use is a write: a worker's");
    }

    @Test
    void withAnAuditDeviceEveryRequestIsRecordedOnceFromAWorker() throws Exception {
        Path dir = Files.createTempDirectory("custos-io-thread-audit");
        Path log = dir.resolve("audit.log");
        assertEquals(204, call("PUT", "sys/audit/io", root, "{\"type\":\"file\",\"options\":{\"file_path\":\""
                + log + "\"}}").status());
        try {
            double answered = ioThread("answered");
            double wouldBlock = ioThread("would_block");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, call("GET", "secret/data/app", root, null).status());
                assertEquals(200, call("POST", "pki/issue/ec-nostore", root, "{\"common_name\":\"x.example.com\"}")
                        .status());
            }
            assertEquals(answered, ioThread("answered"), "not tried on the I/O thread");
            assertEquals(wouldBlock, ioThread("would_block"));
            List<String> lines = Files.readAllLines(log);
            for (String type : new String[] {"request", "response"}) {
                for (String path : new String[] {"secret/data/app", "pki/issue/ec-nostore"}) {
                    long n = lines.stream().filter(l -> l.contains("\"type\":\"" + type + "\"")
                            && l.contains("\"path\":\"" + path + "\"")).count();
                    assertEquals(3, n, type + " " + path);
                }
            }
        } finally {
            assertEquals(204, call("DELETE", "sys/audit/io", root, null).status());
        }
    }
}
