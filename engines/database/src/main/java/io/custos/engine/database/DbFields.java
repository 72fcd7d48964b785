package io.custos.engine.database;

import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;

/** Field shorthands the database path families share. */
final class DbFields {

    static Field str(String name, String description) {
        return Field.of(name, FieldType.STRING, description);
    }

    static Field list(String name, String description) {
        return Field.of(name, FieldType.STRING_LIST, description);
    }

    static Field duration(String name, String description) {
        return Field.of(name, FieldType.DURATION, description);
    }

    static final Field NAME = str("name", "Name of the connection, role or static role.");

    private DbFields() {
    }
}
