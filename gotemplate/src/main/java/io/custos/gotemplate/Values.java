package io.custos.gotemplate;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Go's reflection rules over Java values: truth, kinds for comparison, map key order, length. */
final class Values {
    /** Go's invalid reflect.Value: a missing map key, or nothing at all. Prints as {@code <no value>}. */
    static final Object MISSING = new Object() {
        @Override
        public String toString() {
            return "<no value>";
        }
    };

    private Values() {
    }

    /** Go's {@code truth}: false, 0, nil, and empty strings, slices and maps are false. */
    static boolean isTrue(Object v) {
        if (v == null || v == MISSING) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof CharSequence s) {
            return s.length() > 0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Object[] a) {
            return a.length > 0;
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (v instanceof BigInteger bi) {
            return bi.signum() != 0;
        }
        if (v instanceof BigDecimal bd) {
            return bd.signum() != 0;
        }
        if (v instanceof Number n) {
            return GoFmt.isInteger(n) ? n.longValue() != 0 : n.doubleValue() != 0;
        }
        return true;
    }

    /** Go's basic kinds for comparisons. */
    enum Kind { BOOL, INT, FLOAT, STRING, OTHER, NIL }

    static Kind kind(Object v) {
        if (v == null || v == MISSING) {
            return Kind.NIL;
        }
        if (v instanceof Boolean) {
            return Kind.BOOL;
        }
        if (GoFmt.isInteger(v)) {
            return Kind.INT;
        }
        if (v instanceof Number) {
            return Kind.FLOAT;
        }
        if (v instanceof CharSequence) {
            return Kind.STRING; // Strings, and string-kinded values such as a JSON number's text
        }
        return Kind.OTHER;
    }

    static BigInteger bigInt(Object v) {
        return v instanceof BigInteger b ? b : BigInteger.valueOf(((Number) v).longValue());
    }

    /** Map keys in Go's {@code fmtsort} order: numbers numerically, strings by bytes, others by text. */
    static List<Object> sortedKeys(Map<?, ?> m) {
        List<Object> keys = new ArrayList<>(m.keySet());
        keys.sort(Values::compareKeys);
        return keys;
    }

    private static int compareKeys(Object a, Object b) {
        Kind ka = kind(a);
        Kind kb = kind(b);
        if (ka != kb) {
            return ka.compareTo(kb);
        }
        return switch (ka) {
            case INT -> bigInt(a).compareTo(bigInt(b));
            case FLOAT -> Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
            case BOOL -> Boolean.compare((Boolean) a, (Boolean) b);
            case STRING -> compareUtf8(a.toString(), b.toString());
            default -> String.valueOf(a).compareTo(String.valueOf(b));
        };
    }

    /** Byte-wise comparison of the UTF-8 forms, which is code point order (as Go compares strings). */
    static int compareUtf8(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Go's {@code len}: bytes of a string, elements of a slice or map. */
    static long length(Object v) {
        if (v instanceof CharSequence s) {
            return s.toString().getBytes(StandardCharsets.UTF_8).length;
        }
        if (v instanceof Collection<?> c) {
            return c.size();
        }
        if (v instanceof Object[] a) {
            return a.length;
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        throw new IllegalArgumentException("len of " + (v == null || v == MISSING ? "nil pointer"
                : "type " + GoFmt.typeName(v)));
    }

    static List<?> asList(Object v) {
        if (v instanceof List<?> l) {
            return l;
        }
        if (v instanceof Object[] a) {
            return Arrays.asList(a); // nil elements allowed
        }
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        return null;
    }
}
