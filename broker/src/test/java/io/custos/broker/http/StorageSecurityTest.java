package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What is actually in PostgreSQL: no plaintext anywhere, tampering and row swaps detected, and
 * key rotation followed by re-wrap leaving no data key under an old term.
 */
@MicronautTest(transactional = false)
class StorageSecurityTest extends BrokerHttpTest {
    private String token;

    /** Tampering happens behind the broker's back, so read through to PostgreSQL every time. */
    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.storage.cache-enabled", "false");
    }

    @BeforeAll
    void setUp() {
        token = initAndUnseal();
    }

    private String mount(String name) {
        assertEquals(204, call("POST", "sys/mounts/" + name, token, "{\"type\":\"kv-v2\"}").status());
        return call("GET", "sys/mounts", token, null).json().get("data").get(name + "/").get("uuid").asText();
    }

    private List<String> paths(Connection c, String like) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT path FROM custos_entries WHERE path LIKE ? ORDER BY path")) {
            ps.setString(1, like);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Test
    void noColumnOfAnyTableHoldsThePlaintext() throws SQLException {
        mount("inspect");
        String needle = "plaintext-canary-7f3a9c";
        call("POST", "inspect/data/canary", token, "{\"data\":{\"value\":\"" + needle + "\"}}");
        call("POST", "inspect/metadata/canary", token, "{\"custom_metadata\":{\"note\":\"" + needle + "\"}}");
        assertEquals(needle, call("GET", "inspect/data/canary", token, null).json()
                .get("data").get("data").get("value").asText());
        int columnsChecked = 0;
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet cols = s.executeQuery("SELECT table_name, column_name, data_type FROM information_schema.columns "
                        + "WHERE table_schema = 'public'")) {
            List<String[]> all = new ArrayList<>();
            while (cols.next()) {
                all.add(new String[] {cols.getString(1), cols.getString(2), cols.getString(3)});
            }
            for (String[] col : all) {
                String expr = col[2].equals("bytea") ? "position(convert_to(?, 'UTF8') in \"" + col[1] + "\") > 0"
                        : "\"" + col[1] + "\"::text LIKE '%' || ? || '%'";
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM \"" + col[0] + "\" WHERE " + expr)) {
                    ps.setString(1, needle);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(0, rs.getInt(1), col[0] + "." + col[1] + " contains the plaintext");
                    }
                }
                columnsChecked++;
            }
        }
        assertTrue(columnsChecked >= 5, "checked " + columnsChecked + " columns");
    }

    @Test
    void aFlippedByteInStorageFailsTheReadInsteadOfReturningData() throws SQLException {
        String uuid = mount("tamper");
        call("POST", "tamper/data/victim", token, "{\"data\":{\"v\":\"original\"}}");
        try (Connection c = db.connect()) {
            String path = paths(c, "logical/" + uuid + "/versions/%").get(0);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE custos_entries SET value = set_byte(value, length(value) - 20, get_byte(value, length(value) - 20) # 1) WHERE path = ?")) {
                ps.setString(1, path);
                assertEquals(1, ps.executeUpdate());
            }
        }
        Reply r = call("GET", "tamper/data/victim", token, null);
        assertEquals(500, r.status());
        assertTrue(r.error().contains("integrity"), r.error());
        assertFalse(r.json().toString().contains("original"));
    }

    @Test
    void aRowMovedToAnotherPathFailsTheRead() throws SQLException {
        String uuid = mount("swap");
        call("POST", "swap/data/alice", token, "{\"data\":{\"v\":\"alice-secret\"}}");
        call("POST", "swap/data/mallory", token, "{\"data\":{\"v\":\"mallory-secret\"}}");
        try (Connection c = db.connect()) {
            List<String> versions = paths(c, "logical/" + uuid + "/versions/%");
            assertEquals(2, versions.size());
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE custos_entries SET value = (SELECT value FROM custos_entries WHERE path = ?) WHERE path = ?")) {
                ps.setString(1, versions.get(0));
                ps.setString(2, versions.get(1));
                ps.executeUpdate();
            }
        }
        Reply alice = call("GET", "swap/data/alice", token, null);
        Reply mallory = call("GET", "swap/data/mallory", token, null);
        // exactly the overwritten key fails; the other still reads its own value
        Reply failed = alice.status() == 500 ? alice : mallory;
        Reply intact = failed == alice ? mallory : alice;
        assertEquals(500, failed.status());
        assertTrue(failed.error().contains("integrity"), failed.error());
        assertEquals(200, intact.status());
        String own = intact == alice ? "alice-secret" : "mallory-secret";
        assertEquals(own, intact.json().get("data").get("data").get("v").asText());
    }

    @Test
    void rotationThenRewrapLeavesNoDataKeyUnderTheOldTerm() throws Exception {
        mount("rotate");
        for (int i = 0; i < 40; i++) {
            call("POST", "rotate/data/k" + i, token, "{\"data\":{\"v\":\"value-" + i + "\"}}");
        }
        int before = call("GET", "sys/key-status", token, null).json().get("data").get("term").asInt();
        assertEquals(204, call("POST", "sys/rotate", token, null).status());
        Reply status = call("GET", "sys/key-status", token, null);
        assertEquals(before + 1, status.json().get("data").get("term").asInt());
        assertTrue(status.json().get("data").has("install_time"));
        long deadline = System.nanoTime() + 20_000_000_000L;
        long pending;
        do {
            Thread.sleep(50);
            pending = call("GET", "sys/key-status", token, null).json().get("data").get("rewrap").get("pending_entries").asLong();
        } while (pending > 0 && System.nanoTime() < deadline);
        assertEquals(0, pending);
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), min(key_term), max(key_term), "
                        + "count(*) FILTER (WHERE get_byte(value, 4) <> key_term) FROM custos_entries")) {
            rs.next();
            assertTrue(rs.getLong(1) > 40);
            assertEquals(before + 1, rs.getInt(2), "no entry left under an older term");
            assertEquals(0, rs.getLong(4), "the header term matches the column");
        }
        for (int i = 0; i < 40; i++) {
            assertEquals("value-" + i, call("GET", "rotate/data/k" + i, token, null).json()
                    .get("data").get("data").get("v").asText());
        }
    }
}
