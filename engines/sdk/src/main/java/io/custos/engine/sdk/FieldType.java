package io.custos.engine.sdk;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parameter types of Vault's framework, with the same lenient decoding (numbers given as
 * strings, single values for lists, comma-separated lists). A value that cannot be decoded is
 * a 400 naming the field; the value itself is never echoed because it may be a secret.
 */
public enum FieldType {
    STRING("string"),
    INT("integer"),
    BOOL("boolean"),
    /** Seconds or a Go duration string; decoded to {@link Duration}. */
    DURATION("integer"),
    /** A JSON object. */
    MAP("object"),
    /** A JSON object whose values are all strings. */
    STRING_MAP("object"),
    STRING_LIST("array"),
    /** A list, or one string of comma-separated values. */
    COMMA_STRING_LIST("array"),
    INT_LIST("array"),
    /** Any JSON value, passed through. */
    RAW("object");

    private final String openApiType;

    FieldType(String openApiType) {
        this.openApiType = openApiType;
    }

    public String openApiType() {
        return openApiType;
    }

    public Object decode(String field, Object raw) {
        if (raw == null) {
            return null;
        }
        return switch (this) {
            case STRING -> decodeString(field, raw);
            case INT -> decodeInt(field, raw);
            case BOOL -> decodeBool(field, raw);
            case DURATION -> decodeDuration(field, raw);
            case MAP -> decodeMap(field, raw);
            case STRING_MAP -> decodeStringMap(field, raw);
            case STRING_LIST -> decodeStringList(field, raw, false);
            case COMMA_STRING_LIST -> decodeStringList(field, raw, true);
            case INT_LIST -> decodeIntList(field, raw);
            case RAW -> raw;
        };
    }

    private static EngineException invalid(String field, String expected, Object raw) {
        return EngineException.badRequest("error converting input for field \"" + field + "\": expected "
                + expected + ", got " + describe(raw));
    }

    private static String describe(Object raw) {
        if (raw instanceof Map) {
            return "an object";
        }
        if (raw instanceof Collection) {
            return "an array";
        }
        if (raw instanceof Boolean) {
            return "a boolean";
        }
        if (raw instanceof Number) {
            return "a number";
        }
        return "a string";
    }

    private static String decodeString(String field, Object raw) {
        if (raw instanceof String s) {
            return s;
        }
        if (raw instanceof Number || raw instanceof Boolean) {
            return raw.toString();
        }
        throw invalid(field, "a string", raw);
    }

    private static long decodeInt(String field, Object raw) {
        if (raw instanceof Number n) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || d > Long.MAX_VALUE || d < Long.MIN_VALUE) {
                throw invalid(field, "an integer", raw);
            }
            return n.longValue();
        }
        if (raw instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw invalid(field, "an integer", raw);
            }
        }
        throw invalid(field, "an integer", raw);
    }

    private static boolean decodeBool(String field, Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "1", "t" -> { return true; }
                case "false", "0", "f", "" -> { return false; }
                default -> throw invalid(field, "a boolean", raw);
            }
        }
        if (raw instanceof Number n && (n.intValue() == 0 || n.intValue() == 1)) {
            return n.intValue() == 1;
        }
        throw invalid(field, "a boolean", raw);
    }

    private static Duration decodeDuration(String field, Object raw) {
        if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            if (Math.abs(n.doubleValue()) > GoDuration.MAX.getSeconds()) {
                throw EngineException.badRequest("error converting input for field \"" + field
                        + "\": duration out of range (at most " + GoDuration.MAX.getSeconds() + " seconds)");
            }
            return Duration.ofSeconds(n.longValue());
        }
        if (raw instanceof String s) {
            try {
                return GoDuration.parse(s);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw invalid(field, "a duration such as \"30s\", \"1h\" or a number of seconds", raw);
            }
        }
        throw invalid(field, "a duration", raw);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> decodeMap(String field, Object raw) {
        if (raw instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw invalid(field, "an object", raw);
    }

    /**
     * An object of strings, or (as Vault's AppRole {@code metadata}, which Terraform and hvac send
     * as {@code json.dumps(...)}) a string holding one; the empty string is the empty map.
     */
    private static Map<String, String> decodeStringMap(String field, Object raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw instanceof String text) {
            if (text.isBlank()) {
                return out;
            }
            try {
                raw = Json.MAPPER.readValue(text, Object.class);
            } catch (IOException e) {
                throw EngineException.badRequest("error converting input for field \"" + field
                        + "\": the string is not a JSON object");
            }
        }
        for (Map.Entry<String, Object> e : decodeMap(field, raw).entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw EngineException.badRequest("error converting input for field \"" + field
                        + "\": the value of key \"" + e.getKey() + "\" must be a string");
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static List<String> decodeStringList(String field, Object raw, boolean splitCommas) {
        List<String> out = new ArrayList<>();
        if (raw instanceof Collection<?> c) {
            for (Object o : c) {
                out.add(decodeString(field, o));
            }
            return out;
        }
        String s = decodeString(field, raw);
        if (!splitCommas) {
            return List.of(s);
        }
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    private static List<Long> decodeIntList(String field, Object raw) {
        List<Long> out = new ArrayList<>();
        if (raw instanceof Collection<?> c) {
            for (Object o : c) {
                out.add(decodeInt(field, o));
            }
        } else if (raw instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(decodeInt(field, part));
                }
            }
        } else {
            out.add(decodeInt(field, raw));
        }
        return out;
    }
}
