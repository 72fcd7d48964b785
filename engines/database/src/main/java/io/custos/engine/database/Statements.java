package io.custos.engine.database;

import io.custos.engine.sdk.EngineException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Role statements as Vault takes them: each entry a string or base64 of one, holding one or more
 * SQL statements separated by ';' (quotes, identifiers, comments and dollar-quoted bodies kept
 * whole), with {@code {{name}}}, {@code {{username}}}, {@code {{password}}} and
 * {@code {{expiration}}} templates.
 */
final class Statements {
    /** Vault's expiration format, {@code 2006-01-02 15:04:05-0700}. */
    static final DateTimeFormatter EXPIRATION = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssZ", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Statements() {
    }

    /** Decodes base64 entries and splits each into single statements. */
    static List<String> parse(List<String> entries) {
        List<String> out = new ArrayList<>();
        if (entries == null) {
            return out;
        }
        for (String e : entries) {
            out.addAll(split(decodeIfBase64(e)));
        }
        return out;
    }

    static String decodeIfBase64(String s) {
        String t = s.trim();
        if (t.isEmpty() || !t.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) {
            return s;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(t), StandardCharsets.UTF_8);
            return decoded.chars().allMatch(c -> c == '\n' || c == '\r' || c == '\t' || c >= 0x20) ? decoded : s;
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /** Splits on ';' outside quotes, identifiers, comments and dollar quotes; drops empty statements. */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < n) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < n && sql.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                end = Math.min(end + 1, n);
                cur.append(sql, i, end);
                i = end;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                cur.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                cur.append(sql, i, end);
                i = end;
            } else if (c == '$') {
                int tagEnd = i + 1;
                while (tagEnd < n && (Character.isLetterOrDigit(sql.charAt(tagEnd)) || sql.charAt(tagEnd) == '_')) {
                    tagEnd++;
                }
                if (tagEnd < n && sql.charAt(tagEnd) == '$') {
                    String tag = sql.substring(i, tagEnd + 1);
                    int close = sql.indexOf(tag, tagEnd + 1);
                    int end = close < 0 ? n : close + tag.length();
                    cur.append(sql, i, end);
                    i = end;
                } else {
                    cur.append(c);
                    i++;
                }
            } else if (c == ';') {
                add(out, cur);
                i++;
            } else {
                cur.append(c);
                i++;
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().trim();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }

    /**
     * Fills the templates, each value escaped for the place it lands in: inside a quoted
     * identifier {@code "} is doubled, inside a string literal {@code '} is doubled (and
     * {@code \\} too in an {@code E'...'} literal), inside a dollar-quoted body a value holding the
     * closing tag is refused, and outside any quotes only {@code [A-Za-z0-9_.-]} may be
     * substituted. So no value, whatever a display name or password policy put in it, can end its
     * quotes and become SQL. Templates inside comments are left unfilled.
     */
    static String render(String statement, String name, String password, Instant expiration) {
        StringBuilder out = new StringBuilder(statement.length() + 64);
        int n = statement.length();
        int i = 0;
        char quote = 0;
        boolean backslashEscapes = false;
        String dollarTag = null;
        while (i < n) {
            char c = statement.charAt(i);
            if (c == '{' && statement.startsWith("{{", i)) {
                int close = statement.indexOf("}}", i + 2);
                String value = close < 0 ? null : switch (statement.substring(i + 2, close)) {
                    case "name", "username" -> name;
                    case "password" -> password;
                    case "expiration" -> expiration == null ? null : EXPIRATION.format(expiration);
                    default -> null;
                };
                if (value != null) {
                    out.append(escape(value, statement.substring(i, close + 2), quote, backslashEscapes, dollarTag));
                    i = close + 2;
                    continue;
                }
            }
            if (dollarTag != null) {
                if (statement.startsWith(dollarTag, i)) {
                    out.append(dollarTag);
                    i += dollarTag.length();
                    dollarTag = null;
                    continue;
                }
            } else if (quote != 0) {
                if (c == quote) {
                    if (i + 1 < n && statement.charAt(i + 1) == quote) {
                        out.append(c).append(c);
                        i += 2;
                        continue;
                    }
                    quote = 0;
                } else if (backslashEscapes && c == '\\' && i + 1 < n) {
                    out.append(c).append(statement.charAt(i + 1));
                    i += 2;
                    continue;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                backslashEscapes = c == '\'' && i > 0 && (statement.charAt(i - 1) == 'E' || statement.charAt(i - 1) == 'e')
                        && (i < 2 || !isIdentifierChar(statement.charAt(i - 2)));
            } else if (c == '$') {
                int tagEnd = i + 1;
                while (tagEnd < n && isIdentifierChar(statement.charAt(tagEnd))) {
                    tagEnd++;
                }
                if (tagEnd < n && statement.charAt(tagEnd) == '$' && (i == 0 || !isIdentifierChar(statement.charAt(i - 1)))) {
                    dollarTag = statement.substring(i, tagEnd + 1);
                    out.append(dollarTag);
                    i = tagEnd + 1;
                    continue;
                }
            } else if (c == '-' && i + 1 < n && statement.charAt(i + 1) == '-') {
                int end = statement.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(statement, i, end);
                i = end;
                continue;
            } else if (c == '/' && i + 1 < n && statement.charAt(i + 1) == '*') {
                int end = statement.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(statement, i, end);
                i = end;
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static String escape(String value, String template, char quote, boolean backslashEscapes, String dollarTag) {
        if (dollarTag != null) {
            if (value.contains(dollarTag) || value.endsWith("$")) {
                throw EngineException.badRequest("the value of " + template + " would end the " + dollarTag
                        + "-quoted body it is placed in");
            }
            return value;
        }
        if (quote == '"') {
            return value.replace("\"", "\"\"");
        }
        if (quote == '\'') {
            String v = backslashEscapes ? value.replace("\\", "\\\\") : value;
            return v.replace("'", "''");
        }
        for (int k = 0; k < value.length(); k++) {
            char ch = value.charAt(k);
            if (!(isIdentifierChar(ch) || ch == '.' || ch == '-')) {
                throw EngineException.badRequest(template + " is used outside quotes, and its value holds characters"
                        + " SQL would read as syntax; quote it in the statement (\"" + template + "\" or '" + template
                        + "')");
            }
        }
        return value;
    }

    private static boolean isIdentifierChar(char c) {
        return c == '_' || (c < 128 && Character.isLetterOrDigit(c));
    }

    /** Whether any statement grants or revokes privileges (those are serialised per database). */
    static boolean touchesAcls(List<String> statements) {
        for (String s : statements) {
            String u = s.toUpperCase(Locale.ROOT);
            if (u.contains("GRANT") || u.contains("REVOKE") || u.contains("DROP OWNED") || u.contains("REASSIGN")) {
                return true;
            }
        }
        return false;
    }
}
