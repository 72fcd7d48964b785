package io.custos.engine.database;

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

    /** Fills the templates. The name goes in as-is: statements quote it ({@code "{{name}}"}). */
    static String render(String statement, String name, String password, Instant expiration) {
        String s = statement.replace("{{name}}", name).replace("{{username}}", name);
        if (expiration != null) {
            s = s.replace("{{expiration}}", EXPIRATION.format(expiration));
        }
        return password == null ? s : s.replace("{{password}}", password);
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
