package io.custos.engine.database;

import io.custos.engine.sdk.EngineException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Vault's {@code username_template}: Go template syntax ({@code {{ .DisplayName | truncate 8 }}},
 * pipelines, parenthesised calls) with Vault's function set — {@code printf}, {@code truncate},
 * {@code truncate_sha256}, {@code lowercase}, {@code uppercase}, {@code replace}, {@code sha256},
 * {@code base64}, {@code random}, {@code unix_time}, {@code unix_time_millis}, {@code timestamp},
 * {@code uuid} — and the fields {@code .DisplayName} and {@code .RoleName}. No Java library speaks
 * Go templates, and this subset is all Vault defines for usernames; the template is parsed when the
 * config is written, so a mistake is a 400 then, not at issuance.
 */
final class UsernameTemplate {
    /** Vault's PostgreSQL default. */
    static final String DEFAULT = "{{ printf \"v-%s-%s-%s-%s\" (.DisplayName | truncate 8) (.RoleName | truncate 8)"
            + " (random 20) (unix_time) | truncate 63 }}";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();

    private sealed interface Node permits Text, Action {
    }

    private record Text(String text) implements Node {
    }

    private record Action(List<List<Term>> pipeline) implements Node {
    }

    private sealed interface Term permits Field, Literal, Ident, Group {
    }

    private record Field(String name) implements Term {
    }

    private record Literal(Object value) implements Term {
    }

    private record Ident(String name) implements Term {
    }

    private record Group(List<List<Term>> pipeline) implements Term {
    }

    private final List<Node> nodes;
    private final Clock clock;

    private UsernameTemplate(List<Node> nodes, Clock clock) {
        this.nodes = nodes;
        this.clock = clock;
    }

    static UsernameTemplate parse(String template, Clock clock) {
        String t = template == null || template.isBlank() ? DEFAULT : template;
        List<Node> nodes = new ArrayList<>();
        int i = 0;
        while (i < t.length()) {
            int open = t.indexOf("{{", i);
            if (open < 0) {
                nodes.add(new Text(t.substring(i)));
                break;
            }
            String text = t.substring(i, open);
            int close = t.indexOf("}}", open);
            if (close < 0) {
                throw invalid("unclosed action");
            }
            String body = t.substring(open + 2, close);
            if (body.startsWith("-")) {
                text = text.stripTrailing();
                body = body.substring(1);
            }
            boolean trimAfter = body.endsWith("-");
            if (trimAfter) {
                body = body.substring(0, body.length() - 1);
            }
            if (!text.isEmpty()) {
                nodes.add(new Text(text));
            }
            Parser p = new Parser(body);
            List<List<Term>> pipeline = p.pipeline();
            p.end();
            nodes.add(new Action(pipeline));
            i = close + 2;
            if (trimAfter) {
                while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
                    i++;
                }
            }
        }
        UsernameTemplate parsed = new UsernameTemplate(nodes, clock);
        parsed.render("displayname", "role"); // unknown functions and bad arguments fail here, not at issuance
        return parsed;
    }

    String render(String displayName, String roleName) {
        Map<String, String> fields = Map.of("DisplayName", displayName == null ? "" : displayName, "RoleName",
                roleName == null ? "" : roleName);
        StringBuilder out = new StringBuilder();
        for (Node n : nodes) {
            if (n instanceof Text t) {
                out.append(t.text());
            } else {
                out.append(format(eval(((Action) n).pipeline(), fields)));
            }
        }
        return out.toString();
    }

    private Object eval(List<List<Term>> pipeline, Map<String, String> fields) {
        Object piped = null;
        boolean first = true;
        for (List<Term> command : pipeline) {
            piped = command(command, fields, first ? null : piped, !first);
            first = false;
        }
        return piped;
    }

    private Object command(List<Term> command, Map<String, String> fields, Object piped, boolean hasPiped) {
        Term head = command.get(0);
        if (head instanceof Ident id) {
            List<Object> args = new ArrayList<>();
            for (Term t : command.subList(1, command.size())) {
                args.add(value(t, fields));
            }
            if (hasPiped) {
                args.add(piped);
            }
            return call(id.name(), args);
        }
        if (command.size() > 1 || hasPiped) {
            throw invalid("can't give arguments to a non-function value");
        }
        return value(head, fields);
    }

    private Object value(Term t, Map<String, String> fields) {
        if (t instanceof Field f) {
            String v = fields.get(f.name());
            if (v == null) {
                throw invalid("no field ." + f.name() + " (use .DisplayName or .RoleName)");
            }
            return v;
        }
        if (t instanceof Literal l) {
            return l.value();
        }
        if (t instanceof Group g) {
            return eval(g.pipeline(), fields);
        }
        return call(((Ident) t).name(), List.of());
    }

    private Object call(String fn, List<Object> a) {
        switch (fn) {
            case "printf": {
                need(fn, a, 1, Integer.MAX_VALUE);
                return printf(str(a.get(0)), a.subList(1, a.size()));
            }
            case "truncate": {
                need(fn, a, 2, 2);
                String s = str(a.get(1));
                int n = num(a.get(0));
                return s.length() <= n ? s : s.substring(0, n);
            }
            case "truncate_sha256": {
                need(fn, a, 2, 2);
                String s = str(a.get(1));
                int n = num(a.get(0));
                if (s.length() <= n) {
                    return s;
                }
                if (n < 8) {
                    throw invalid("truncate_sha256 needs a length of at least 8");
                }
                return s.substring(0, n - 8) + sha256(s.substring(n - 8)).substring(0, 8);
            }
            case "lowercase":
                need(fn, a, 1, 1);
                return str(a.get(0)).toLowerCase(Locale.ROOT);
            case "uppercase":
                need(fn, a, 1, 1);
                return str(a.get(0)).toUpperCase(Locale.ROOT);
            case "replace":
                need(fn, a, 3, 3);
                return str(a.get(2)).replace(str(a.get(0)), str(a.get(1)));
            case "sha256":
                need(fn, a, 1, 1);
                return sha256(str(a.get(0)));
            case "base64":
                need(fn, a, 1, 1);
                return Base64.getEncoder().encodeToString(str(a.get(0)).getBytes(StandardCharsets.UTF_8));
            case "random": {
                need(fn, a, 1, 1);
                int n = num(a.get(0));
                char[] out = new char[n];
                for (int i = 0; i < n; i++) {
                    out[i] = ALNUM[RANDOM.nextInt(ALNUM.length)];
                }
                return new String(out);
            }
            case "unix_time":
                need(fn, a, 0, 0);
                return clock.instant().getEpochSecond();
            case "unix_time_millis":
                need(fn, a, 0, 0);
                return clock.millis();
            case "timestamp":
                need(fn, a, 1, 1);
                return goTime(str(a.get(0))).format(clock.instant().atZone(ZoneOffset.UTC));
            case "uuid":
                need(fn, a, 0, 0);
                return UUID.randomUUID().toString();
            default:
                throw invalid("function \"" + fn + "\" not defined");
        }
    }

    /** Go's reference-time layout (2006-01-02T15:04:05Z07:00) turned into a Java pattern. */
    private static DateTimeFormatter goTime(String layout) {
        String[][] map = {{"2006", "yyyy"}, {"01", "MM"}, {"02", "dd"}, {"15", "HH"}, {"04", "mm"}, {"05", "ss"},
            {"Z07:00", "XXX"}, {"-0700", "Z"}, {"Jan", "MMM"}, {".000", ".SSS"}};
        StringBuilder out = new StringBuilder();
        int i = 0;
        outer:
        while (i < layout.length()) {
            for (String[] m : map) {
                if (layout.startsWith(m[0], i)) {
                    out.append(m[1]);
                    i += m[0].length();
                    continue outer;
                }
            }
            char c = layout.charAt(i++);
            out.append(Character.isLetter(c) ? "'" + c + "'" : String.valueOf(c));
        }
        return DateTimeFormatter.ofPattern(out.toString(), Locale.ROOT);
    }

    private static String printf(String format, List<Object> args) {
        StringBuilder out = new StringBuilder();
        int arg = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char verb = format.charAt(++i);
            if (verb == '%') {
                out.append('%');
            } else if (verb == 's' || verb == 'd' || verb == 'v') {
                if (arg >= args.size()) {
                    out.append("%!").append(verb).append("(MISSING)");
                } else {
                    out.append(format(args.get(arg++)));
                }
            } else {
                throw invalid("printf verb %" + verb + " is not supported (use %s, %d or %v)");
            }
        }
        return out.toString();
    }

    private static void need(String fn, List<Object> a, int min, int max) {
        if (a.size() < min || a.size() > max) {
            throw invalid("wrong number of arguments for " + fn + ": " + a.size());
        }
    }

    private static String str(Object o) {
        return format(o);
    }

    private static int num(Object o) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        throw invalid("expected a number, got \"" + o + "\"");
    }

    private static String format(Object o) {
        return o == null ? "" : o.toString();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EngineException invalid(String why) {
        return EngineException.badRequest("unable to initialize username template: " + why);
    }

    /** Recursive descent over one action's text. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        List<List<Term>> pipeline() {
            List<List<Term>> commands = new ArrayList<>();
            commands.add(command());
            while (peek() == '|') {
                i++;
                commands.add(command());
            }
            return commands;
        }

        List<Term> command() {
            List<Term> terms = new ArrayList<>();
            while (true) {
                char c = peek();
                if (c == 0 || c == '|' || c == ')') {
                    break;
                }
                terms.add(term());
            }
            if (terms.isEmpty()) {
                throw invalid("empty command");
            }
            return terms;
        }

        Term term() {
            char c = peek();
            if (c == '(') {
                i++;
                List<List<Term>> p = pipeline();
                if (peek() != ')') {
                    throw invalid("unclosed '('");
                }
                i++;
                return new Group(p);
            }
            if (c == '"' || c == '`') {
                return new Literal(string(c));
            }
            if (c == '.') {
                i++;
                return new Field(word());
            }
            if (Character.isDigit(c) || c == '-') {
                int start = i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                return new Literal(Long.parseLong(s.substring(start, i)));
            }
            if (Character.isLetter(c) || c == '_') {
                return new Ident(word());
            }
            throw invalid("unexpected '" + c + "'");
        }

        private String string(char quote) {
            i++;
            StringBuilder b = new StringBuilder();
            while (i < s.length() && s.charAt(i) != quote) {
                char c = s.charAt(i++);
                if (c == '\\' && quote == '"' && i < s.length()) {
                    char e = s.charAt(i++);
                    b.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> e;
                    });
                } else {
                    b.append(c);
                }
            }
            if (i >= s.length()) {
                throw invalid("unterminated string");
            }
            i++;
            return b.toString();
        }

        private String word() {
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (start == i) {
                throw invalid("expected a name");
            }
            return s.substring(start, i);
        }

        char peek() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            return i < s.length() ? s.charAt(i) : 0;
        }

        void end() {
            if (peek() != 0) {
                throw invalid("unexpected '" + s.charAt(i) + "'");
            }
        }
    }
}
