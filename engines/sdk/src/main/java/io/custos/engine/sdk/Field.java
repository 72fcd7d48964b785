package io.custos.engine.sdk;

/**
 * One declared parameter of a path: its type, description and default. {@code sensitive}
 * fields (passwords, keys, secret data) are write-only in the OpenAPI document and their
 * values are never echoed in errors.
 */
public record Field(String name, FieldType type, String description, Object defaultValue, boolean sensitive,
        boolean required) {

    public static Field of(String name, FieldType type, String description) {
        return new Field(name, type, description, null, false, false);
    }

    public Field withDefault(Object value) {
        return new Field(name, type, description, value, sensitive, required);
    }

    public Field asSensitive() {
        return new Field(name, type, description, defaultValue, true, required);
    }

    public Field asRequired() {
        return new Field(name, type, description, defaultValue, sensitive, true);
    }
}
