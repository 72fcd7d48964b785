package io.custos.broker.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code policy fmt}: an HCL policy laid out as {@code hclwrite.Format} lays it out — two spaces
 * per nesting level, the {@code =} of consecutive attributes aligned, one space around it, no
 * trailing blanks, runs of blank lines collapsed to one — with comments and heredocs kept as they
 * are. One pass over the text: linear in its size.
 */
public final class PolicyFormatter {
    private static final Pattern ATTRIBUTE = Pattern.compile("^([A-Za-z0-9_.\"-]+)\\s*=\\s*(.*)$");
    private static final Pattern HEREDOC = Pattern.compile("<<-?([A-Za-z_][A-Za-z0-9_]*)\\s*$");

    private PolicyFormatter() {
    }

    /** The formatted text (the caller parses it first: only a valid policy is formatted). */
    public static String format(String text) {
        List<String> out = new ArrayList<>();
        List<String[]> run = new ArrayList<>(); // consecutive attributes: indent, key, value
        int depth = 0;
        String heredoc = null;
        boolean blank = false;
        for (String raw : text.split("\r?\n", -1)) {
            if (heredoc != null) {
                out.add(raw);
                if (raw.trim().equals(heredoc)) {
                    heredoc = null;
                }
                continue;
            }
            String line = raw.strip();
            if (line.isEmpty()) {
                blank = !out.isEmpty() || !run.isEmpty();
                flush(run, out);
                continue;
            }
            int opens = delta(line);
            int indent = Math.max(0, depth + Math.min(0, leadingCloses(line)));
            if (blank) {
                flush(run, out);
                out.add("");
                blank = false;
            }
            Matcher a = ATTRIBUTE.matcher(line);
            if (a.matches() && !line.startsWith("#") && !line.startsWith("//")) {
                run.add(new String[] {"  ".repeat(indent), a.group(1), a.group(2)});
            } else {
                flush(run, out);
                out.add("  ".repeat(indent) + line);
            }
            depth = Math.max(0, depth + opens);
            Matcher h = HEREDOC.matcher(line);
            if (h.find()) {
                flush(run, out);
                heredoc = h.group(1);
            }
        }
        flush(run, out);
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return String.join("\n", out) + "\n";
    }

    private static void flush(List<String[]> run, List<String> out) {
        int width = 0;
        for (String[] r : run) {
            width = Math.max(width, r[1].length());
        }
        for (String[] r : run) {
            out.add(r[0] + r[1] + " ".repeat(width - r[1].length()) + " = " + r[2]);
        }
        run.clear();
    }

    /** Brackets opened minus closed, outside strings and comments. */
    private static int delta(String line) {
        int d = 0;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '#' || c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/') {
                break;
            } else if (c == '{' || c == '[' || c == '(') {
                d++;
            } else if (c == '}' || c == ']' || c == ')') {
                d--;
            }
        }
        return d;
    }

    /** How many closing brackets the line starts with (it is indented as the block it closes). */
    private static int leadingCloses(String line) {
        int n = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '}' || c == ']' || c == ')') {
                n--;
            } else if (c != ' ' && c != '\t' && c != ',') {
                break;
            }
        }
        return n;
    }
}
