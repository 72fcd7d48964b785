package io.custos.broker.policy;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Vault's policy capabilities, as bits so a rule's set is one int. */
public enum Capability {
    CREATE, READ, UPDATE, PATCH, DELETE, LIST, SUDO, DENY;

    public int bit() {
        return 1 << ordinal();
    }

    public static Capability parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("invalid capability \"" + name + "\": expected one of create, read, "
                    + "update, patch, delete, list, sudo, deny");
        }
    }

    /** The capability an operation needs. */
    public static Capability of(Operation op) {
        return switch (op) {
            case READ -> READ;
            case LIST -> LIST;
            case CREATE -> CREATE;
            case UPDATE -> UPDATE;
            case PATCH -> PATCH;
            case DELETE -> DELETE;
        };
    }

    public static List<String> names(int bits) {
        List<String> out = new ArrayList<>();
        for (Capability c : values()) {
            if ((bits & c.bit()) != 0) {
                out.add(c.name().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
