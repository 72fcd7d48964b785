package io.custos.gotemplate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Go's predefined template functions: {@code and}, {@code or} (short-circuit, in {@link Exec}),
 * {@code not}, {@code len}, {@code index}, {@code slice}, {@code print}, {@code printf},
 * {@code println}, {@code html}, {@code js}, {@code urlquery}, {@code eq}, {@code ne}, {@code lt},
 * {@code le}, {@code gt}, {@code ge} and {@code call}.
 */
final class Builtins {
    private static final Set<String> NAMES = Set.of("and", "or", "not", "len", "index", "slice", "print", "printf",
            "println", "html", "js", "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call");

    /** A wrong call (arity): reported without Go's "error calling" prefix, as Go does. */
    static final class ArgumentException extends RuntimeException {
        ArgumentException(String message) {
            super(message, null, false, false);
        }
    }

    private Builtins() {
    }

    static boolean isBuiltin(String name) {
        return NAMES.contains(name);
    }

    static Object call(String name, List<Object> a, Exec exec) throws Exception {
        switch (name) {
            case "not":
                arity(name, a, 1);
                return !Values.isTrue(a.get(0));
            case "len":
                arity(name, a, 1);
                try {
                    return Values.length(a.get(0));
                } catch (IllegalArgumentException e) {
                    throw new Exception(e.getMessage());
                }
            case "index":
                atLeast(name, a, 1);
                return index(a.get(0), a.subList(1, a.size()));
            case "slice":
                atLeast(name, a, 1);
                return slice(a.get(0), a.subList(1, a.size()));
            case "print":
                return GoFmt.sprint(a);
            case "println":
                return GoFmt.sprintln(a);
            case "printf":
                atLeast(name, a, 1);
                if (!(a.get(0) instanceof String format)) {
                    throw new ArgumentException("wrong type for value; expected string; got " + GoFmt.typeName(a.get(0)));
                }
                return GoFmt.sprintf(format, a.subList(1, a.size()));
            case "html":
                return html(evalArgs(a));
            case "js":
                return js(evalArgs(a));
            case "urlquery":
                return urlQuery(evalArgs(a));
            case "eq", "ne", "lt", "le", "gt", "ge":
                return compare(name, a);
            case "call":
                atLeast(name, a, 1);
                if (a.get(0) == null) {
                    throw new Exception("call of nil");
                }
                return exec.callValue(a.get(0), new ArrayList<>(a.subList(1, a.size())));
            default:
                throw new ArgumentException("\"" + name + "\" is not a defined function");
        }
    }

    /** Go's comparison functions: eq with any number of alternatives, the others with exactly two arguments. */
    private static boolean compare(String name, List<Object> a) throws Exception {
        if (name.equals("eq")) {
            atLeast(name, a, 1);
            return eq(a.get(0), a.subList(1, a.size()));
        }
        arity(name, a, 2);
        return switch (name) {
            case "ne" -> !eq(a.get(0), a.subList(1, 2));
            case "lt" -> lt(a.get(0), a.get(1));
            case "le" -> lt(a.get(0), a.get(1)) || eq(a.get(0), a.subList(1, 2));
            case "gt" -> !lt(a.get(0), a.get(1)) && !eq(a.get(0), a.subList(1, 2));
            default -> !lt(a.get(0), a.get(1));
        };
    }

    private static void arity(String name, List<Object> a, int n) {
        if (a.size() != n) {
            throw new ArgumentException("wrong number of args for " + name + ": want " + n + " got " + a.size());
        }
    }

    private static void atLeast(String name, List<Object> a, int n) {
        if (a.size() < n) {
            throw new ArgumentException("wrong number of args for " + name + ": want at least " + n + " got "
                    + a.size());
        }
    }

    private static String evalArgs(List<Object> a) {
        if (a.size() == 1 && a.get(0) instanceof String s) {
            return s;
        }
        return GoFmt.sprint(a);
    }

    // ---- index and slice

    private static Object index(Object item, List<Object> indexes) throws Exception {
        Object v = item;
        if (v == null) {
            throw new Exception("index of untyped nil");
        }
        for (Object ix : indexes) {
            if (v instanceof Map<?, ?> m) {
                if (ix == null) {
                    throw new Exception("value is nil; should be of type string");
                }
                if (!m.isEmpty() && !sameKeyKind(m.keySet().iterator().next(), ix)) {
                    throw new Exception("value has type " + GoFmt.typeName(ix) + "; should be "
                            + GoFmt.typeName(m.keySet().iterator().next()));
                }
                v = m.get(normaliseKey(m, ix));
                continue;
            }
            List<?> list = Values.asList(v);
            if (list == null && !(v instanceof String)) {
                throw new Exception(v == null ? "index of nil pointer" : "can't index item of type "
                        + GoFmt.typeName(v));
            }
            if (ix == null) {
                throw new Exception("cannot index slice/array with nil");
            }
            if (!GoFmt.isInteger(ix)) {
                throw new Exception("cannot index slice/array with type " + GoFmt.typeName(ix));
            }
            long i = ((Number) ix).longValue();
            if (v instanceof String s) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                if (i < 0 || i >= bytes.length) {
                    throw new Exception("index out of range: " + i);
                }
                v = (long) (bytes[(int) i] & 0xff);
            } else {
                if (i < 0 || i >= list.size()) {
                    throw new Exception("index out of range: " + i);
                }
                v = list.get((int) i);
            }
        }
        return v;
    }

    private static boolean sameKeyKind(Object existing, Object ix) {
        return Values.kind(existing) == Values.kind(ix);
    }

    /** Maps with integral keys are looked up with the key type they hold (Integer vs Long). */
    private static Object normaliseKey(Map<?, ?> m, Object ix) {
        if (GoFmt.isInteger(ix) && !m.isEmpty()) {
            Object sample = m.keySet().iterator().next();
            long n = ((Number) ix).longValue();
            if (sample instanceof Integer) {
                return (int) n;
            }
            if (sample instanceof Long) {
                return n;
            }
        }
        return ix;
    }

    private static Object slice(Object item, List<Object> indexes) throws Exception {
        if (item == null) {
            throw new Exception("slice of untyped nil");
        }
        if (indexes.size() > 3) {
            throw new Exception("too many slice indexes: " + indexes.size());
        }
        int length;
        if (item instanceof String s) {
            length = s.getBytes(StandardCharsets.UTF_8).length;
            if (indexes.size() == 3) {
                throw new Exception("cannot 3-index slice a string");
            }
        } else {
            List<?> list = Values.asList(item);
            if (list == null) {
                throw new Exception("can't slice item of type " + GoFmt.typeName(item));
            }
            length = list.size();
        }
        int[] ix = {0, length, length};
        for (int k = 0; k < indexes.size(); k++) {
            Object o = indexes.get(k);
            if (!GoFmt.isInteger(o)) {
                throw new Exception("cannot index slice/array with type " + GoFmt.typeName(o));
            }
            long v = ((Number) o).longValue();
            if (v < 0 || v > length) {
                throw new Exception("index out of range: " + v);
            }
            ix[k] = (int) v;
        }
        if (ix[0] > ix[1]) {
            throw new Exception("invalid slice index: " + ix[0] + " > " + ix[1]);
        }
        if (indexes.size() == 3 && ix[1] > ix[2]) {
            throw new Exception("invalid slice index: " + ix[1] + " > " + ix[2]);
        }
        if (item instanceof String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            return new String(bytes, ix[0], ix[1] - ix[0], StandardCharsets.UTF_8);
        }
        return new ArrayList<>(Values.asList(item).subList(ix[0], ix[1]));
    }

    // ---- comparisons

    private static boolean eq(Object a1, List<Object> rest) throws Exception {
        if (rest.isEmpty()) {
            throw new Exception("missing argument for comparison");
        }
        Values.Kind k1 = Values.kind(a1);
        for (Object a2 : rest) {
            Values.Kind k2 = Values.kind(a2);
            boolean truth;
            if (k1 != k2) {
                if (k1 != Values.Kind.NIL && k2 != Values.Kind.NIL) {
                    throw new Exception("incompatible types for comparison");
                }
                truth = false;
            } else {
                truth = switch (k1) {
                    case NIL -> true;
                    case BOOL -> a1.equals(a2);
                    case STRING -> a1.toString().equals(a2.toString());
                    case INT -> Values.bigInt(a1).equals(Values.bigInt(a2));
                    case FLOAT -> ((Number) a1).doubleValue() == ((Number) a2).doubleValue();
                    case OTHER -> {
                        if (a1 instanceof Map || a2 instanceof Map || Values.asList(a1) != null) {
                            throw new Exception("non-comparable type " + GoFmt.value(a1) + ": " + GoFmt.typeName(a1));
                        }
                        yield a1.equals(a2);
                    }
                };
            }
            if (truth) {
                return true;
            }
        }
        return false;
    }

    private static boolean lt(Object a, Object b) throws Exception {
        Values.Kind k1 = Values.kind(a);
        Values.Kind k2 = Values.kind(b);
        if (k1 == Values.Kind.BOOL || k1 == Values.Kind.OTHER || k1 == Values.Kind.NIL
                || k2 == Values.Kind.BOOL || k2 == Values.Kind.OTHER || k2 == Values.Kind.NIL) {
            throw new Exception("invalid type for comparison");
        }
        if (k1 != k2) {
            throw new Exception("incompatible types for comparison");
        }
        return switch (k1) {
            case INT -> Values.bigInt(a).compareTo(Values.bigInt(b)) < 0;
            case FLOAT -> ((Number) a).doubleValue() < ((Number) b).doubleValue();
            default -> Values.compareUtf8(a.toString(), b.toString()) < 0;
        };
    }

    // ---- escaping

    /** Go's {@code template.HTMLEscapeString}. */
    static String html(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\0' -> sb.append('\uFFFD');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Go's {@code template.JSEscapeString}. */
    static String js(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                case '"' -> sb.append("\\\"");
                case '<' -> sb.append("\\u003C");
                case '>' -> sb.append("\\u003E");
                case '&' -> sb.append("\\u0026");
                case '=' -> sb.append("\\u003D");
                default -> {
                    if (c < ' ' || !GoFmt.isPrint(c)) {
                        sb.append(String.format("\\u%04X", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.toString();
    }

    /** Go's {@code url.QueryEscape}. */
    static String urlQuery(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                sb.append((char) c);
            } else if (c == ' ') {
                sb.append('+');
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }
}
