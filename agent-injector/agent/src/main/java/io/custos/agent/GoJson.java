package io.custos.agent;

import io.custos.gotemplate.GoFmt;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Go's {@code encoding/json} and {@code gopkg.in/yaml.v2} output for template values, as
 * consul-template's {@code toJSON}, {@code toJSONPretty}, {@code toUnescapedJSON} and
 * {@code toYAML} write them: map keys sorted, HTML characters escaped unless asked not to,
 * {@link JsonNumber}s as numbers.
 */
final class GoJson {
    private GoJson() {
    }

    static String json(Object v, boolean escapeHtml, String indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, escapeHtml, indent, "");
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, boolean html, String indent, String prefix) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof JsonNumber n) {
            sb.append(n.text());
        } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
            sb.append(v);
        } else if (v instanceof Double d) {
            sb.append(d == Math.rint(d) && Math.abs(d) < 1e21 ? Long.toString(d.longValue()) : GoFmt.value(d));
        } else if (v instanceof Map<?, ?> m) {
            writeObject(sb, m, html, indent, prefix);
        } else if (v instanceof Collection<?> c) {
            writeArray(sb, c, html, indent, prefix);
        } else {
            string(sb, v.toString(), html);
        }
    }

    /** An object, its keys sorted as Go's encoding/json sorts map keys. */
    private static void writeObject(StringBuilder sb, Map<?, ?> m, boolean html, String indent, String prefix) {
        Map<String, Object> sorted = new TreeMap<>();
        m.forEach((k, val) -> sorted.put(String.valueOf(k), val));
        if (sorted.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        String inner = prefix + indent;
        boolean first = true;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (!indent.isEmpty()) {
                sb.append('\n').append(inner);
            }
            string(sb, e.getKey(), html);
            sb.append(indent.isEmpty() ? ":" : ": ");
            write(sb, e.getValue(), html, indent, inner);
        }
        if (!indent.isEmpty()) {
            sb.append('\n').append(prefix);
        }
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, Collection<?> c, boolean html, String indent, String prefix) {
        if (c.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        String inner = prefix + indent;
        boolean first = true;
        for (Object e : c) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (!indent.isEmpty()) {
                sb.append('\n').append(inner);
            }
            write(sb, e, html, indent, inner);
        }
        if (!indent.isEmpty()) {
            sb.append('\n').append(prefix);
        }
        sb.append(']');
    }

    private static void string(StringBuilder sb, String s, boolean html) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> {
                    if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** YAML (block style, sorted keys) as go-yaml v2 marshals maps, lists and scalars. */
    static String yaml(Object v) {
        StringBuilder sb = new StringBuilder();
        if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            yamlBlock(sb, v, "");
        } else {
            sb.append(scalar(v)).append('\n');
        }
        String out = sb.toString();
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    private static void yamlBlock(StringBuilder sb, Object v, String prefix) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append(prefix).append("{}\n");
                return;
            }
            Map<String, Object> sorted = new TreeMap<>();
            m.forEach((k, val) -> sorted.put(String.valueOf(k), val));
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                Object val = e.getValue();
                sb.append(prefix).append(scalar(e.getKey())).append(':');
                if (val instanceof Map<?, ?> inner && !inner.isEmpty()) {
                    sb.append('\n');
                    yamlBlock(sb, val, prefix + "  ");
                } else if (val instanceof Collection<?> c && !c.isEmpty()) {
                    sb.append('\n');
                    yamlBlock(sb, val, prefix);
                } else {
                    sb.append(' ').append(val instanceof Map ? "{}" : val instanceof Collection ? "[]" : scalar(val))
                            .append('\n');
                }
            }
        } else if (v instanceof Collection<?> c) {
            for (Object e : c) {
                if (e instanceof Map<?, ?> inner && !inner.isEmpty()) {
                    StringBuilder nested = new StringBuilder();
                    yamlBlock(nested, e, prefix + "  ");
                    String text = nested.toString();
                    sb.append(prefix).append("- ").append(text.substring(prefix.length() + 2));
                } else {
                    sb.append(prefix).append("- ").append(scalar(e)).append('\n');
                }
            }
        }
    }

    private static String scalar(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof JsonNumber) {
            return v.toString();
        }
        if (v instanceof Double d) {
            return GoFmt.value(d);
        }
        String s = v.toString();
        if (s.isEmpty() || needsQuotes(s)) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        }
        return s;
    }

    private static boolean needsQuotes(String s) {
        if (List.of("true", "false", "yes", "no", "on", "off", "null", "~", "y", "n").contains(s.toLowerCase())) {
            return true;
        }
        if (s.matches("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?") || s.matches("0[xXoObB][0-9a-fA-F_]+")) {
            return true;
        }
        char first = s.charAt(0);
        return "-?:,[]{}#&*!|>'\"%@`".indexOf(first) >= 0 || Character.isWhitespace(first)
                || Character.isWhitespace(s.charAt(s.length() - 1)) || s.contains(": ") || s.contains(" #")
                || s.contains("\n") || s.chars().anyMatch(c -> c < 0x20);
    }

    static List<Object> listOf(Object v) {
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        return null;
    }
}
