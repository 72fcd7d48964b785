package io.custos.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agent's JSON: Jackson's streaming parser and generator (jackson-core, which hcl4j needs
 * anyway) under a small read-only tree. Jackson's data binding is not used — it loads some 400
 * classes, a quarter of the agent's metaspace, for what a few maps and lists do here.
 *
 * <p>A parsed document is plain values: {@link LinkedHashMap} (keys in order), {@link ArrayList},
 * {@link String}, {@link Boolean}, {@code null} and numbers — as their literal text
 * ({@link JsonNumber}, Go's {@code json.Number}, what consul-template hands templates) or as
 * {@code Long}/{@code Double}. {@link Json} wraps one for navigation with the forgiving accessors of
 * a JSON tree: a missing member is "missing", never an exception.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Object MISSING_VALUE = new Object();
    private static final Json MISSING = new Json(MISSING_VALUE);

    private final Object value;

    private Json(Object value) {
        this.value = value;
    }

    // ---- reading

    /** A document with numbers as {@link JsonNumber} (the broker's answers). */
    public static Json parse(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return new Json(readDocument(p, true));
        }
    }

    /** A document as plain values; numbers as {@code Long} when integral and in range, else {@code Double}. */
    public static Object read(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return readDocument(p, false);
        }
    }

    private static Object readDocument(JsonParser p, boolean numbersAsText) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new IOException("empty JSON document");
        }
        Object v = readValue(p, t, numbersAsText);
        if (p.nextToken() != null) {
            throw new IOException("trailing data after the JSON document at " + p.currentLocation().getCharOffset());
        }
        return v;
    }

    private static Object readValue(JsonParser p, JsonToken t, boolean numbersAsText) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, readValue(p, p.nextToken(), numbersAsText));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(readValue(p, e, numbersAsText));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                if (numbersAsText) {
                    return new JsonNumber(p.getText());
                }
                return p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG
                        ? (Object) p.getLongValue() : (Object) p.getDoubleValue();
            case VALUE_NUMBER_FLOAT:
                return numbersAsText ? new JsonNumber(p.getText()) : (Object) p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected JSON token " + t);
        }
    }

    // ---- navigating

    /** A member of an object, or "missing" (also for non-objects). */
    public Json path(String name) {
        if (value instanceof Map<?, ?> m && m.containsKey(name)) {
            return new Json(m.get(name));
        }
        return MISSING;
    }

    /** A member of an object, or {@code null} when there is none. */
    public Json get(String name) {
        Json j = path(name);
        return j == MISSING ? null : j;
    }

    public boolean has(String name) {
        return get(name) != null;
    }

    public boolean isMissing() {
        return this == MISSING;
    }

    public boolean isNull() {
        return value == null;
    }

    /** Text of a string, number or boolean; {@code ""} otherwise. */
    public String asText() {
        return asText("");
    }

    public String asText(String otherwise) {
        if (value instanceof String || value instanceof JsonNumber || value instanceof Boolean
                || value instanceof Number) {
            return value.toString();
        }
        return otherwise;
    }

    /** A number (or numeric text) as a long; 0 when it is none. */
    public long asLong() {
        String s = value instanceof String || value instanceof JsonNumber || value instanceof Number ? value.toString() : "";
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                return 0;
            }
        }
    }

    /** A number, or a number's text, as a long (0 when it is neither). */
    public static long number(Object o) {
        return new Json(o).asLong();
    }

    public boolean asBoolean() {
        return Boolean.TRUE.equals(value) || "true".equals(value);
    }

    /** Each element of an array (nothing for anything else). */
    public void forEach(Consumer<Json> each) {
        if (value instanceof List<?> l) {
            for (Object o : l) {
                each.accept(new Json(o));
            }
        }
    }

    /** Each element of an array as text. */
    public List<String> texts() {
        List<String> out = new ArrayList<>();
        forEach(j -> out.add(j.asText()));
        return out;
    }

    /** The plain value (maps, lists, strings, numbers, booleans, null); null when missing. */
    public Object value() {
        return value == MISSING_VALUE ? null : value;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        return value instanceof Map<?, ?> ? (Map<String, Object>) value : Collections.emptyMap();
    }

    // ---- writing

    /** Plain values (maps, lists and arrays, strings, numbers, {@link JsonNumber}, booleans, null) as UTF-8 JSON. */
    public static byte[] write(Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writeValue(g, value);
        }
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Iterable<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Object[] a) {
            writeValue(g, Arrays.asList(a));
        } else if (v instanceof JsonNumber n) {
            g.writeNumber(n.text());
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(v.toString());
        }
    }

    @Override
    public String toString() {
        return value == MISSING_VALUE ? "missing" : "json[" + (value == null ? "null" : value.getClass().getSimpleName()) + "]";
    }
}
