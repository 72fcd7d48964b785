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

    /** What a stretch of statement text is, as PostgreSQL's lexer sees quoting. */
    private enum Kind { CODE, QUOTED_IDENTIFIER, LITERAL, ESCAPE_LITERAL, DOLLAR_BODY, COMMENT }

    @FunctionalInterface
    private interface SpanVisitor {
        /** {@code sql[start, end)} is one span of {@code kind} (delimiters included); {@code tag} for dollar bodies. */
        void span(Kind kind, int start, int end, String tag);
    }

    /**
     * Walks a statement span by span: quoted identifiers and string literals (quotes doubled inside,
     * and backslash escapes in {@code E'...'}), dollar-quoted bodies, {@code --} and {@code /* *}{@code /}
     * comments, and the code between them. Unterminated constructs run to the end. Both splitting
     * and template filling read statements through this one scanner, so they agree on what is quoted.
     */
    private static void scan(String sql, SpanVisitor visitor) {
        int n = sql.length();
        int i = 0;
        int codeStart = 0;
        while (i < n) {
            char c = sql.charAt(i);
            Kind kind = null;
            int end = n;
            String tag = null;
            if (c == '\'' || c == '"') {
                boolean escapes = c == '\'' && i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                        && (i < 2 || !isIdentifierChar(sql.charAt(i - 2)));
                kind = c == '"' ? Kind.QUOTED_IDENTIFIER : escapes ? Kind.ESCAPE_LITERAL : Kind.LITERAL;
                end = endOfQuoted(sql, i, c, escapes);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                kind = Kind.COMMENT;
                int nl = sql.indexOf('\n', i);
                end = nl < 0 ? n : nl;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                kind = Kind.COMMENT;
                int close = sql.indexOf("*/", i + 2);
                end = close < 0 ? n : close + 2;
            } else if (c == '$' && (i == 0 || !isIdentifierChar(sql.charAt(i - 1)))) {
                int tagEnd = i + 1;
                while (tagEnd < n && isIdentifierChar(sql.charAt(tagEnd))) {
                    tagEnd++;
                }
                if (tagEnd < n && sql.charAt(tagEnd) == '$') {
                    kind = Kind.DOLLAR_BODY;
                    tag = sql.substring(i, tagEnd + 1);
                    int close = sql.indexOf(tag, tagEnd + 1);
                    end = close < 0 ? n : close + tag.length();
                }
            }
            if (kind == null) {
                i++;
                continue;
            }
            if (codeStart < i) {
                visitor.span(Kind.CODE, codeStart, i, null);
            }
            visitor.span(kind, i, end, tag);
            i = end;
            codeStart = end;
        }
        if (codeStart < n) {
            visitor.span(Kind.CODE, codeStart, n, null);
        }
    }

    /** The index after the quote closing the one at {@code open}, or the end of the text. */
    private static int endOfQuoted(String sql, int open, char quote, boolean backslashEscapes) {
        int n = sql.length();
        int i = open + 1;
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** Splits on ';' outside quotes, identifiers, comments and dollar quotes; drops empty statements. */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        scan(sql, (kind, start, end, tag) -> {
            if (kind != Kind.CODE) {
                cur.append(sql, start, end);
                return;
            }
            for (int i = start; i < end; i++) {
                char c = sql.charAt(i);
                if (c == ';') {
                    add(out, cur);
                } else {
                    cur.append(c);
                }
            }
        });
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
        scan(statement, (kind, start, end, tag) -> {
            if (kind == Kind.COMMENT) {
                out.append(statement, start, end);
                return;
            }
            int i = start;
            while (i < end) {
                int open = statement.indexOf("{{", i);
                int close = open < 0 || open >= end ? -1 : statement.indexOf("}}", open + 2);
                if (close < 0 || close + 2 > end) {
                    out.append(statement, i, end);
                    return;
                }
                String template = statement.substring(open, close + 2);
                String value = switch (template) {
                    case "{{name}}", "{{username}}" -> name;
                    case "{{password}}" -> password;
                    case "{{expiration}}" -> expiration == null ? null : EXPIRATION.format(expiration);
                    default -> null;
                };
                out.append(statement, i, open);
                out.append(value == null ? template : escape(value, template, kind, tag));
                i = close + 2;
            }
        });
        return out.toString();
    }

    private static String escape(String value, String template, Kind kind, String dollarTag) {
        switch (kind) {
            case DOLLAR_BODY -> {
                if (value.contains(dollarTag) || value.endsWith("$")) {
                    throw EngineException.badRequest("the value of " + template + " would end the " + dollarTag
                            + "-quoted body it is placed in");
                }
                return value;
            }
            case QUOTED_IDENTIFIER -> {
                return value.replace("\"", "\"\"");
            }
            case LITERAL -> {
                return value.replace("'", "''");
            }
            case ESCAPE_LITERAL -> {
                return value.replace("\\", "\\\\").replace("'", "''");
            }
            default -> {
                for (int k = 0; k < value.length(); k++) {
                    char ch = value.charAt(k);
                    if (!(isIdentifierChar(ch) || ch == '.' || ch == '-')) {
                        throw EngineException.badRequest(template + " is used outside quotes, and its value holds "
                                + "characters SQL would read as syntax; quote it in the statement (\"" + template
                                + "\" or '" + template + "')");
                    }
                }
                return value;
            }
        }
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
