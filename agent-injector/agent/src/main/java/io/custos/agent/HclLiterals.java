package io.custos.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps {@code ${...}} in quoted HCL strings literal, as Vault Agent's HCL (version 1) does.
 *
 * <p>hcl4j parses HCL2, where {@code "${X}"} is an interpolation: it evaluates {@code ${FOO}} to
 * {@code FOO}, {@code ${FOO:-default}} to {@code FOO}, and overflows its stack on
 * {@code "${a}${b}"} — so {@code contents = "export PATH=${PATH}:/opt/bin"} would render something
 * other than what Vault Agent renders. Before parsing, every {@code $} that opens {@code ${} inside a
 * quoted string (not in comments or heredocs, which hcl4j already keeps literal) becomes a
 * private-use character; after parsing, every string in the tree gets its {@code $} back.
 */
final class HclLiterals {
    private static final char DOLLAR = '\uE000';

    private HclLiterals() {
    }

    /** The text with {@code $} of {@code ${} in quoted strings replaced; refused if it holds the stand-in. */
    static String protect(String text) {
        if (text.indexOf(DOLLAR) >= 0) {
            throw new IllegalArgumentException("the configuration contains the character U+E000");
        }
        StringBuilder out = new StringBuilder(text.length());
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
                out.append(c);
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    char s = text.charAt(i);
                    if (s == '\\' && i + 1 < n) {
                        out.append(s).append(text.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    out.append(s == '$' && i + 1 < n && text.charAt(i + 1) == '{' ? DOLLAR : s);
                    i++;
                }
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                int end = text.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(text, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(text, i, end);
                i = end;
            } else if (c == '<' && text.startsWith("<<", i)) {
                i = heredoc(text, i, out);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Copies a heredoc ({@code <<ID} or {@code <<-ID} up to the line holding only ID) unchanged. */
    private static int heredoc(String text, int start, StringBuilder out) {
        int i = start + 2;
        if (i < text.length() && text.charAt(i) == '-') {
            i++;
        }
        int idStart = i;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        int lineEnd = text.indexOf('\n', i);
        if (i == idStart || lineEnd < 0) { // not a heredoc: copy the two characters
            out.append("<<");
            return start + 2;
        }
        String id = text.substring(idStart, i);
        int pos = lineEnd + 1;
        while (pos < text.length()) {
            int next = text.indexOf('\n', pos);
            int end = next < 0 ? text.length() : next;
            if (text.substring(pos, end).strip().equals(id)) {
                out.append(text, start, end);
                return end;
            }
            pos = end + 1;
        }
        out.append(text, start, text.length());
        return text.length();
    }

    /** The parsed tree with every string's stand-ins turned back into {@code $}. */
    @SuppressWarnings("unchecked")
    static <T> T restore(T value) {
        if (value instanceof String s) {
            return (T) s.replace(DOLLAR, '$');
        }
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(restore(k), restore(v)));
            return (T) out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(restore(v)));
            return (T) out;
        }
        return value;
    }
}
