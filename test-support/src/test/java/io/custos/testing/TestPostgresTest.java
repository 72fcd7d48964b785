package io.custos.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestPostgresTest {

    @Test
    void serverRequiresThePasswordOverTcp() throws SQLException {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
        assertThrows(SQLException.class, () -> DriverManager.getConnection(db.jdbcUrl(), db.user(), "wrong").close());
    }
}
