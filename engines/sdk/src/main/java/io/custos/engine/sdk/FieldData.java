package io.custos.engine.sdk;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A request's parameters decoded against a path's declared fields: path captures and body or
 * query values, each decoded once to its declared type, with defaults for what was not sent.
 */
public final class FieldData {
    private final Map<String, Field> schema;
    private final Map<String, Object> decoded = new HashMap<>();

    FieldData(Map<String, Field> schema, Map<String, Object> raw) {
        this.schema = schema;
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            Field f = schema.get(e.getKey());
            if (f != null && e.getValue() != null) {
                decoded.put(e.getKey(), f.type().decode(e.getKey(), e.getValue()));
            }
        }
        for (Field f : schema.values()) {
            if (f.required() && !decoded.containsKey(f.name())) {
                throw EngineException.badRequest("missing required field \"" + f.name() + "\"");
            }
        }
    }

    /** Whether the client sent this field (as opposed to it taking its default). */
    public boolean has(String name) {
        return decoded.containsKey(name);
    }

    public Object get(String name) {
        Field f = schema.get(name);
        if (f == null) {
            throw new IllegalArgumentException("field " + name + " is not declared on this path");
        }
        Object v = decoded.get(name);
        return v != null ? v : (f.defaultValue() == null ? null : f.type().decode(name, f.defaultValue()));
    }

    public String getString(String name) {
        Object v = get(name);
        return v == null ? "" : (String) v;
    }

    public long getLong(String name) {
        Object v = get(name);
        return v == null ? 0L : (Long) v;
    }

    public boolean getBool(String name) {
        Object v = get(name);
        return v != null && (Boolean) v;
    }

    public Duration getDuration(String name) {
        Object v = get(name);
        return v == null ? Duration.ZERO : (Duration) v;
    }

    @SuppressWarnings("unchecked")
    public <T> T getAs(String name) {
        return (T) get(name);
    }
}
