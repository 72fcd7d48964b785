package io.custos.gotemplate;

import java.util.function.Function;

/** Go's {@code strconv.Unquote} for template string and character constants. */
final class GoStrings {
    private GoStrings() {
    }

    /** A double-quoted Go string literal's value. */
    static String unquote(String quoted, Function<String, TemplateException> error) {
        StringBuilder out = new StringBuilder();
        int i = 1;
        int end = quoted.length() - 1;
        while (i < end) {
            char c = quoted.charAt(i);
            if (c != '\\') {
                out.append(c);
                i++;
                continue;
            }
            i = escape(quoted, i, end, '"', out, error);
        }
        return out.toString();
    }

    /** A Go rune literal's code point: {@code 'a'}, {@code '\n'}, {@code '\u00e9'}. */
    static int unquoteChar(String quoted, Function<String, TemplateException> error) {
        StringBuilder out = new StringBuilder();
        int end = quoted.length() - 1;
        int i = 1;
        if (i < end && quoted.charAt(i) == '\\') {
            i = escape(quoted, i, end, '\'', out, error);
        } else if (i < end) {
            int cp = quoted.codePointAt(i);
            out.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        if (i != end || out.length() == 0) {
            throw error.apply("malformed character constant: " + quoted);
        }
        return out.codePointAt(0);
    }

    /** Decodes the escape at {@code i} (a backslash) into {@code out}; returns the index after it. */
    private static int escape(String s, int i, int end, char quote, StringBuilder out,
            Function<String, TemplateException> error) {
        if (i + 1 >= end) {
            throw error.apply("invalid syntax");
        }
        char e = s.charAt(i + 1);
        switch (e) {
            case 'a' -> out.append('\u0007');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'v' -> out.append('\u000B');
            case '\\' -> out.append('\\');
            case '\'', '"' -> {
                if (e != quote) {
                    throw error.apply("invalid syntax");
                }
                out.append(e);
            }
            case 'x' -> {
                return hex(s, i + 2, 2, end, out, error, true);
            }
            case 'u' -> {
                return hex(s, i + 2, 4, end, out, error, false);
            }
            case 'U' -> {
                return hex(s, i + 2, 8, end, out, error, false);
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    if (i + 4 > end) {
                        throw error.apply("invalid syntax");
                    }
                    int v = 0;
                    for (int k = 1; k <= 3; k++) {
                        char d = s.charAt(i + k);
                        if (d < '0' || d > '7') {
                            throw error.apply("invalid syntax");
                        }
                        v = v * 8 + (d - '0');
                    }
                    if (v > 255) {
                        throw error.apply("invalid syntax");
                    }
                    out.append((char) v);
                    return i + 4;
                }
                throw error.apply("invalid syntax");
            }
        }
        return i + 2;
    }

    private static int hex(String s, int from, int digits, int end, StringBuilder out,
            Function<String, TemplateException> error, boolean isByte) {
        if (from + digits > end) {
            throw error.apply("invalid syntax");
        }
        int v;
        try {
            v = Integer.parseUnsignedInt(s.substring(from, from + digits), 16);
        } catch (NumberFormatException e) {
            throw error.apply("invalid syntax");
        }
        if (!isByte && (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))) {
            throw error.apply("invalid syntax");
        }
        // \\xHH is a byte in Go; bytes of valid UTF-8 sequences are rebuilt by the caller's text
        out.appendCodePoint(v);
        return from + digits;
    }
}
