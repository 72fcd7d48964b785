package io.custos.broker.policy;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import io.custos.engine.sdk.EngineException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a policy document (HCL through hcl4j, or JSON) in time linear in its size and with bounded
 * nesting. hcl4j's time grows with the square of the number of top-level blocks (4,000 path blocks
 * took 3 s here, 22,000 over 80 s) and it recurses once per nesting level (5,000 nested lists
 * overflowed the stack). So one linear pass first checks the nesting depth and cuts the document
 * at the end of each top-level block; hcl4j parses each piece, and the pieces are merged as hcl4j
 * merges repeated blocks ({@code path "a" {...}} twice gives a list of both bodies).
 */
final class HclDocument {
    /** Deeper than any real policy needs ({@code path → allowed_parameters → key → list} is 4). */
    static final int MAX_DEPTH = 32;

    private HclDocument() {
    }

    static Map<String, Object> parse(String text, String what) {
        Map<String, Object> doc = new LinkedHashMap<>();
        for (String piece : split(text, what)) {
            Map<String, Object> part;
            try {
                part = new HCLParser().parse(piece);
            } catch (Exception | StackOverflowError e) {
                throw EngineException.badRequest("failed to parse " + what + " HCL: " + firstLine(e.getMessage()));
            }
            merge(doc, part);
        }
        return doc;
    }

    /**
     * Refuses nesting deeper than {@link #MAX_DEPTH} (braces, brackets, parentheses outside strings
     * and comments) with a 400, and returns the text cut after each top-level block.
     */
    static List<String> split(String text, String what) {
        List<String> pieces = new ArrayList<>();
        int n = text.length();
        int depth = 0;
        int start = 0;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
                i = endOfString(text, i);
                continue;
            }
            if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                int nl = text.indexOf('\n', i);
                i = nl < 0 ? n : nl;
                continue;
            }
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            if (c == '<' && text.startsWith("<<", i)) {
                i = endOfHeredoc(text, i);
                continue;
            }
            if (c == '{' || c == '[' || c == '(') {
                if (++depth > MAX_DEPTH) {
                    throw EngineException.badRequest(what + " is nested more than " + MAX_DEPTH
                            + " levels deep (line " + lineOf(text, i) + ")");
                }
            } else if (c == '}' || c == ']' || c == ')') {
                depth = Math.max(0, depth - 1);
                if (depth == 0 && c == '}') {
                    pieces.add(text.substring(start, i + 1));
                    start = i + 1;
                }
            }
            i++;
        }
        if (start < n && !text.substring(start).isBlank()) {
            pieces.add(text.substring(start));
        }
        return pieces;
    }

    private static int endOfString(String text, int open) {
        int i = open + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"' || c == '\n') {
                return i + 1;
            }
            i++;
        }
        return text.length();
    }

    /** {@code <<EOF ... EOF} or {@code <<-EOF}: skips to the line holding only the marker. */
    private static int endOfHeredoc(String text, int at) {
        int i = at + 2;
        if (i < text.length() && text.charAt(i) == '-') {
            i++;
        }
        int markerStart = i;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        if (i == markerStart) {
            return at + 2;
        }
        String marker = text.substring(markerStart, i);
        int line = text.indexOf('\n', i);
        while (line >= 0) {
            int next = text.indexOf('\n', line + 1);
            String l = text.substring(line + 1, next < 0 ? text.length() : next).trim();
            if (l.equals(marker)) {
                return next < 0 ? text.length() : next;
            }
            line = next;
        }
        return text.length();
    }

    /** Adds a piece's top-level keys: blocks of one label merge by label, a label seen twice lists its bodies. */
    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> doc, Map<String, Object> part) {
        part.forEach((key, value) -> {
            Object existing = doc.get(key);
            if (existing instanceof Map<?, ?> have && value instanceof Map<?, ?> add) {
                Map<String, Object> labels = (Map<String, Object>) have;
                ((Map<String, Object>) add).forEach((label, body) -> labels.merge(label, body, HclDocument::both));
            } else {
                doc.put(key, value);
            }
        });
    }

    private static Object both(Object a, Object b) {
        List<Object> out = new ArrayList<>();
        addAll(out, a);
        addAll(out, b);
        return out;
    }

    private static void addAll(List<Object> out, Object v) {
        if (v instanceof List<?> l) {
            out.addAll(l);
        } else {
            out.add(v);
        }
    }

    private static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.replaceFirst("^([\\w.$]+Exception: )+", "");
    }
}
