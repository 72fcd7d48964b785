package io.custos.gotemplate;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Go's {@code fmt} as templates see it: {@code Sprint}, {@code Sprintln}, {@code Sprintf} (flags,
 * width, precision, the verbs for booleans, integers, floats and strings, and Go's
 * {@code %!verb(type=value)} reports for mismatches) and the {@code %v} form of values: Java
 * {@code null} is Go's nil, {@link List} a slice, {@link Map} a map (keys sorted), integral
 * {@link Number}s are ints and {@link Double}/{@link Float} float64.
 */
public final class GoFmt {
    private GoFmt() {
    }

    /** {@code fmt.Sprint}: operands joined, a space between two operands when neither is a string. */
    public static String sprint(List<?> args) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (i > 0 && !(a instanceof String) && !(args.get(i - 1) instanceof String)) {
                sb.append(' ');
            }
            sb.append(value(a));
        }
        return sb.toString();
    }

    /** {@code fmt.Sprintln}: operands joined by spaces, then a newline. */
    public static String sprintln(List<?> args) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(value(args.get(i)));
        }
        return sb.append('\n').toString();
    }

    /** The {@code %v} form of a value. */
    public static String value(Object v) {
        if (v == null) {
            return "<nil>";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean || isInteger(v)) {
            return v.toString();
        }
        if (v instanceof Double || v instanceof Float) {
            return formatFloat(((Number) v).doubleValue(), 'g', -1, false);
        }
        if (v instanceof BigDecimal d) {
            return d.toString();
        }
        if (v instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            c.forEach(e -> parts.add(value(e)));
            return "[" + String.join(" ", parts) + "]";
        }
        if (v instanceof Object[] arr) {
            return value(Arrays.asList(arr)); // nil elements allowed
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            for (Object k : Values.sortedKeys(m)) {
                parts.add(value(k) + ":" + value(m.get(k)));
            }
            return "map[" + String.join(" ", parts) + "]";
        }
        return v.toString();
    }

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger;
    }

    /** Go's name for a value's type, as {@code %T} prints it. */
    public static String typeName(Object v) {
        if (v == null) {
            return "<nil>";
        }
        if (v instanceof CharSequence) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (isInteger(v)) {
            return "int";
        }
        if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            return "float64";
        }
        if (v instanceof Collection<?> || v instanceof Object[]) {
            return "[]interface {}";
        }
        if (v instanceof Map<?, ?>) {
            return "map[string]interface {}";
        }
        if (v instanceof TemplateFunction) {
            return "func(...interface {}) (interface {}, error)";
        }
        return v.getClass().getSimpleName();
    }

    /** {@code strconv.Quote}: a double-quoted Go string with Go's escapes. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> appendQuoted(sb, c, '"'));
        return sb.append('"').toString();
    }

    private static void appendQuoted(StringBuilder sb, int c, char quote) {
        switch (c) {
            case '\u0007' -> sb.append("\\a");
            case '\b' -> sb.append("\\b");
            case '\f' -> sb.append("\\f");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            case '\u000B' -> sb.append("\\v");
            case '\\' -> sb.append("\\\\");
            default -> {
                if (c == quote) {
                    sb.append('\\').append(quote);
                } else if (c < 0x20 || c == 0x7f) {
                    sb.append(String.format("\\x%02x", c));
                } else if (!isPrint(c)) {
                    sb.append(c > 0xFFFF ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                } else {
                    sb.appendCodePoint(c);
                }
            }
        }
    }

    static boolean isPrint(int c) {
        int type = Character.getType(c);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
                && type != Character.SURROGATE && type != Character.PRIVATE_USE && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && (c == ' ' || !Character.isSpaceChar(c));
    }

    // ---- Sprintf

    static final class Spec {
        boolean minus;
        boolean plus;
        boolean sharp;
        boolean space;
        boolean zero;
        int width = -1;
        int precision = -1;
        char verb;
    }

    /** {@code fmt.Sprintf}. */
    public static String sprintf(String format, List<?> args) {
        return new Printf(format, args).run();
    }

    private static String bad(Spec s, Object arg) {
        return "%!" + s.verb + "(" + (arg == null ? "<nil>" : typeName(arg) + "=" + value(arg)) + ")";
    }

    static String formatOne(Spec s, Object arg) {
        if (s.verb == 'T') {
            return pad(s, typeName(arg));
        }
        if (arg == null) {
            return s.verb == 'v' ? pad(s, "<nil>") : bad(s, null);
        }
        if (arg instanceof Boolean b) {
            return s.verb == 'v' || s.verb == 't' ? pad(s, b.toString()) : bad(s, arg);
        }
        if (isInteger(arg)) {
            return formatInteger(s, arg instanceof BigInteger bi ? bi : BigInteger.valueOf(((Number) arg).longValue()),
                    arg);
        }
        if (arg instanceof Double || arg instanceof Float || arg instanceof BigDecimal) {
            return formatFloatSpec(s, ((Number) arg).doubleValue(), arg);
        }
        if (arg instanceof CharSequence str) {
            return formatString(s, str.toString(), arg);
        }
        if (arg instanceof Collection<?> || arg instanceof Object[]) {
            List<?> list = arg instanceof Object[] a ? Arrays.asList(a) : new ArrayList<>((Collection<?>) arg);
            if (s.verb == 'v' || s.verb == 's' || s.verb == 'd' || s.verb == 'q' || s.verb == 'x' || s.verb == 'X') {
                List<String> parts = new ArrayList<>();
                for (Object e : list) {
                    Spec inner = new Spec();
                    inner.verb = s.verb;
                    inner.plus = s.plus;
                    inner.sharp = s.sharp;
                    parts.add(formatOne(inner, e));
                }
                return pad(s, "[" + String.join(" ", parts) + "]");
            }
            return bad(s, arg);
        }
        if (arg instanceof Map<?, ?> m) {
            if (s.verb == 'v' || s.verb == 's') {
                List<String> parts = new ArrayList<>();
                for (Object k : Values.sortedKeys(m)) {
                    Spec inner = new Spec();
                    inner.verb = s.verb;
                    parts.add(formatOne(inner, k) + ":" + formatOne(inner, m.get(k)));
                }
                return pad(s, "map[" + String.join(" ", parts) + "]");
            }
            return bad(s, arg);
        }
        return s.verb == 'v' || s.verb == 's' ? pad(s, arg.toString()) : bad(s, arg);
    }

    private static String formatInteger(Spec s, BigInteger v, Object arg) {
        if (s.verb == 'c' || s.verb == 'q' || s.verb == 'U') {
            return formatRune(s, v);
        }
        String digits;
        String prefix = "";
        switch (s.verb) {
            case 'v', 'd' -> digits = v.abs().toString();
            case 'b' -> {
                digits = v.abs().toString(2);
                prefix = s.sharp ? "0b" : "";
            }
            case 'o', 'O' -> {
                digits = v.abs().toString(8);
                prefix = s.verb == 'O' ? "0o" : s.sharp ? "0" : "";
            }
            case 'x' -> {
                digits = v.abs().toString(16);
                prefix = s.sharp ? "0x" : "";
            }
            case 'X' -> {
                digits = v.abs().toString(16).toUpperCase(Locale.ROOT);
                prefix = s.sharp ? "0X" : "";
            }
            default -> {
                return bad(s, arg);
            }
        }
        if (s.precision >= 0) {
            if (s.precision == 0 && v.signum() == 0) {
                digits = "";
            }
            while (digits.length() < s.precision) {
                digits = "0" + digits;
            }
        }
        String sign = v.signum() < 0 ? "-" : s.plus ? "+" : s.space ? " " : "";
        String body = prefix + digits;
        if (s.zero && s.precision < 0 && s.width > 0 && !s.minus) {
            int fill = s.width - sign.length() - body.length();
            if (fill > 0) {
                body = prefix + "0".repeat(fill) + digits;
            }
            return sign + body;
        }
        return pad(s, sign + body);
    }

    /** An integer as a character: %c, %q (quoted) and %U (Unicode notation, with the character under #). */
    private static String formatRune(Spec s, BigInteger v) {
        switch (s.verb) {
            case 'c' -> {
                return pad(s, new String(Character.toChars(v.intValue())));
            }
            case 'q' -> {
                StringBuilder sb = new StringBuilder("'");
                appendQuoted(sb, v.intValue(), '\'');
                return pad(s, sb.append('\'').toString());
            }
            default -> {
                String hex = v.toString(16).toUpperCase(Locale.ROOT);
                String u = "U+" + "0".repeat(Math.max(0, 4 - hex.length())) + hex;
                if (s.sharp && isPrint(v.intValue())) {
                    u += " '" + new String(Character.toChars(v.intValue())) + "'";
                }
                return pad(s, u);
            }
        }
    }

    private static String formatFloatSpec(Spec s, double d, Object arg) {
        char verb = s.verb;
        if (verb == 'v') {
            verb = 'g';
        }
        if ("eEfFgGx".indexOf(verb) < 0) {
            return bad(s, arg);
        }
        String body;
        if (Double.isNaN(d)) {
            body = "NaN";
        } else if (Double.isInfinite(d)) {
            body = d > 0 ? (s.plus ? "+Inf" : "Inf") : "-Inf";
            return pad(s, body);
        } else {
            int precision = s.precision < 0 && "eEfF".indexOf(verb) >= 0 ? 6 : s.precision;
            body = formatFloat(Math.abs(d), verb, precision, s.sharp);
            boolean negative = d < 0 || (d == 0 && 1 / d < 0);
            String sign = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
            if (s.zero && s.width > 0 && !s.minus) {
                int fill = s.width - sign.length() - body.length();
                return sign + (fill > 0 ? "0".repeat(fill) : "") + body;
            }
            body = sign + body;
        }
        return pad(s, body);
    }

    /** strconv.FormatFloat for a non-negative finite value: 'e', 'f', 'g' (precision -1: shortest). */
    static String formatFloat(double d, char verb, int precision, boolean sharp) {
        if (d < 0) {
            return "-" + formatFloat(-d, verb, precision, sharp);
        }
        boolean upper = Character.isUpperCase(verb);
        char v = Character.toLowerCase(verb);
        BigDecimal exact = new BigDecimal(d);
        switch (v) {
            case 'f' -> {
                if (precision < 0) {
                    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
                    return shortest.scale() <= 0 ? shortest.toBigInteger().toString() : shortest.toPlainString();
                }
                return exact.setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
            }
            case 'e' -> {
                return exponent(d == 0 ? BigDecimal.ZERO : precision < 0 ? new BigDecimal(Double.toString(d))
                        : exact.round(new MathContext(precision + 1, RoundingMode.HALF_EVEN)), precision, upper);
            }
            default -> {
                BigDecimal digits;
                int eprec;
                if (d == 0) {
                    digits = BigDecimal.ZERO;
                    eprec = precision < 0 ? 6 : Math.max(precision, 1);
                } else if (precision < 0) {
                    digits = new BigDecimal(Double.toString(d)).stripTrailingZeros();
                    eprec = 6;
                } else {
                    int p = precision == 0 ? 1 : precision;
                    digits = exact.round(new MathContext(p, RoundingMode.HALF_EVEN)).stripTrailingZeros();
                    eprec = p;
                    int nd = digits.precision();
                    int dp = nd - digits.scale();
                    if (eprec > nd && nd >= dp) {
                        eprec = nd;
                    }
                }
                int exp = d == 0 ? 0 : digits.precision() - digits.scale() - 1;
                if (exp < -4 || exp >= eprec) {
                    String e = exponent(digits, -1, upper);
                    return e;
                }
                String plain = digits.toPlainString();
                return plain;
            }
        }
    }

    /** d.ddde±dd with {@code precision} fraction digits (-1: as many as the value has). */
    private static String exponent(BigDecimal value, int precision, boolean upper) {
        BigDecimal v = value.stripTrailingZeros();
        String unscaled = v.unscaledValue().abs().toString();
        int exp = v.signum() == 0 ? 0 : unscaled.length() - 1 - v.scale();
        StringBuilder mantissa = new StringBuilder(unscaled.substring(0, 1));
        String rest = unscaled.length() > 1 ? unscaled.substring(1) : "";
        if (v.signum() == 0) {
            rest = "";
        }
        if (precision >= 0) {
            while (rest.length() < precision) {
                rest += "0";
            }
            rest = rest.substring(0, precision);
        }
        if (!rest.isEmpty()) {
            mantissa.append('.').append(rest);
        }
        String es = String.valueOf(Math.abs(exp));
        return mantissa + (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (es.length() < 2 ? "0" + es : es);
    }

    private static String formatString(Spec s, String str, Object arg) {
        switch (s.verb) {
            case 'v', 's' -> {
                String out = str;
                if (s.precision >= 0) {
                    out = truncateRunes(str, s.precision);
                }
                return pad(s, out);
            }
            case 'q' -> {
                String in = s.precision >= 0 ? truncateRunes(str, s.precision) : str;
                if (s.sharp && in.indexOf('`') < 0 && in.codePoints().allMatch(c -> c == '\t' || isPrint(c))) {
                    return pad(s, "`" + in + "`");
                }
                return pad(s, quote(in));
            }
            case 'x', 'X' -> {
                byte[] bytes = str.getBytes(StandardCharsets.UTF_8);
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < bytes.length; k++) {
                    if (s.space && k > 0) {
                        sb.append(' ');
                    }
                    if (s.sharp && (s.space || k == 0)) {
                        sb.append(s.verb == 'x' ? "0x" : "0X");
                    }
                    String h = String.format("%02x", bytes[k] & 0xff);
                    sb.append(s.verb == 'X' ? h.toUpperCase(Locale.ROOT) : h);
                }
                return pad(s, sb.toString());
            }
            default -> {
                return bad(s, arg);
            }
        }
    }

    private static String truncateRunes(String s, int n) {
        int count = s.codePointCount(0, s.length());
        return count <= n ? s : s.substring(0, s.offsetByCodePoints(0, n));
    }

    private static String pad(Spec s, String body) {
        int len = body.codePointCount(0, body.length());
        if (s.width <= len) {
            return body;
        }
        String fill = (s.zero && !s.minus ? "0" : " ").repeat(s.width - len);
        return s.minus ? body + fill : fill + body;
    }
}
