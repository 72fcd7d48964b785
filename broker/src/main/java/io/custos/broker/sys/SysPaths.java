package io.custos.broker.sys;

import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import java.util.function.Consumer;

/** Small handler and field shorthands the sys/ path families share. */
final class SysPaths {
    /** A handler that acts and answers 204. */
    static PathSpec.Handler noContent(Consumer<FieldData> action) {
        return (r, d) -> {
            action.accept(d);
            return null;
        };
    }

    static Field intField(String name, String description) {
        return Field.of(name, FieldType.INT, description);
    }

    static String requiredName(FieldData d) {
        return d.getString("name");
    }

    private SysPaths() {
    }
}
