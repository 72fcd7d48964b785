package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The agent's and the injector's JSON log lines: one object per line, the broker's field names. */
class JsonLogFormatterTest {

    private static Map<String, String> parse(String line) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                out.put(name, p.getValueAsString());
            }
            assertEquals(JsonToken.END_OBJECT, p.currentToken());
        }
        return out;
    }

    @Test
    void aRecordIsOneJsonObjectOnOneLine() throws Exception {
        LogRecord r = new LogRecord(Level.WARNING, "renewal of {0} failed: \"quoted\"\nsecond line");
        r.setParameters(new Object[] {"lease/x"});
        r.setLoggerName("io.custos.agent.Agent");
        r.setThrown(new IllegalStateException("boom"));
        String line = new JsonLogFormatter().format(r);
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        Map<String, String> m = parse(line);
        assertEquals("WARN", m.get("level"));
        assertEquals("io.custos.agent.Agent", m.get("loggerName"));
        assertEquals("renewal of lease/x failed: \"quoted\"\nsecond line", m.get("formattedMessage"));
        assertTrue(m.get("throwable").startsWith("java.lang.IllegalStateException: boom"));
    }

    @Test
    void onlyStandardAndJsonAreFormats() {
        assertNull(JsonLogFormatter.apply(null));
        assertNull(JsonLogFormatter.apply("standard"));
        assertTrue(JsonLogFormatter.apply("xml").contains("standard or json"));
    }
}
