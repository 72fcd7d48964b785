package io.custos.engine.sdk;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One path family of an engine, declared as data (Vault's {@code framework.Path}): an anchored
 * pattern whose named captures ({@code (?P<name>...)}, Vault's syntax) become fields, the
 * typed fields it accepts, the handler for each operation, and help text. Validation, unknown-
 * field warnings and the OpenAPI document are all derived from this declaration.
 */
public final class PathSpec {
    private static final Pattern CAPTURE = Pattern.compile("\\(\\?P<([A-Za-z_][A-Za-z0-9_]*)>");

    /** Handles one operation on a matched path. A {@code null} answer means 404 for reads, 204 otherwise. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request, FieldData data);
    }

    /** Decides CREATE versus UPDATE for a write, as Vault's existence checks do. */
    @FunctionalInterface
    public interface ExistenceCheck {
        boolean exists(Request request, FieldData data);
    }

    /** Whether a request of a {@link Builder#nonBlocking nonBlocking} operation may be answered from memory. */
    @FunctionalInterface
    public interface NonBlockingCheck {
        boolean holds(Request request, FieldData data);
    }

    private final String declared;
    private final Pattern pattern;
    private final String literalPrefix;
    private final List<String> captures;
    private final String[] groups;
    private final Map<String, Field> fields;
    private final Map<Operation, Handler> operations;
    private final ExistenceCheck existenceCheck;
    private final String synopsis;
    private final String description;
    private final Set<Operation> unauthenticated;
    private final BooleanSupplier unauthenticatedWhen;
    private final boolean tokenOptional;
    private final boolean servedWhileSealed;
    private final boolean rawResponse;
    private final boolean sudo;
    private final boolean lenientPath;
    private final Map<Operation, NonBlockingCheck> nonBlocking;

    private PathSpec(Builder b) {
        this.declared = b.pattern;
        List<String> names = new ArrayList<>();
        Matcher m = CAPTURE.matcher(b.pattern);
        StringBuilder javaRegex = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(javaRegex, "(?<g" + names.size() + ">");
            names.add(m.group(1));
        }
        m.appendTail(javaRegex);
        this.pattern = Pattern.compile(javaRegex.toString());
        this.literalPrefix = literalPrefix(b.pattern);
        this.captures = List.copyOf(names);
        this.groups = new String[names.size()];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = "g" + i;
        }
        Map<String, Field> f = new LinkedHashMap<>();
        for (String name : names) {
            f.put(name, Field.of(name, FieldType.STRING, "Path parameter " + name + "."));
        }
        b.fields.forEach(field -> f.put(field.name(), field));
        this.fields = Collections.unmodifiableMap(f);
        this.operations = Collections.unmodifiableMap(new EnumMap<>(b.operations));
        this.existenceCheck = b.existenceCheck;
        this.synopsis = b.synopsis;
        this.description = b.description;
        this.unauthenticated = b.unauthenticated == null ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(b.unauthenticated));
        this.unauthenticatedWhen = b.unauthenticatedWhen;
        this.tokenOptional = b.tokenOptional;
        this.servedWhileSealed = b.servedWhileSealed;
        this.rawResponse = b.rawResponse;
        this.sudo = b.sudo;
        this.lenientPath = b.lenientPath;
        this.nonBlocking = Collections.unmodifiableMap(new EnumMap<>(b.nonBlocking));
        if (servedWhileSealed && unauthenticated.isEmpty()) {
            throw new IllegalArgumentException(declared + ": a path served while sealed must be unauthenticated");
        }
    }

    public static Builder path(String pattern) {
        return new Builder(pattern);
    }

    /** Whether this spec serves {@code path} (relative to its mount). */
    public boolean matches(String path) {
        return path.startsWith(literalPrefix) && pattern.matcher(path).matches();
    }

    /**
     * Vault's path help ({@code ?help=1}, {@code vault path-help}): the synopsis, the parameters
     * with their types and descriptions, and the description.
     */
    public String helpText(String requestPath) {
        StringBuilder out = new StringBuilder();
        out.append("Request:        ").append(requestPath).append('\n');
        out.append("Matching Route: ^").append(declared).append("$\n\n");
        out.append(synopsis).append("\n");
        if (!fields.isEmpty()) {
            out.append("\n## PARAMETERS\n");
            new TreeMap<>(fields).forEach((name, f) -> out.append('\n').append(name).append(" (")
                    .append(f.type().openApiType()).append(")\n\n    ").append(f.description()).append('\n'));
        }
        if (!description.isEmpty()) {
            out.append("\n## DESCRIPTION\n\n").append(description).append('\n');
        }
        return out.toString();
    }

    /** The captures of {@code path} if this spec matches it in full. */
    Map<String, Object> match(String path) {
        if (!path.startsWith(literalPrefix)) {
            return null; // most of an engine's paths, without running their expressions
        }
        Matcher m = pattern.matcher(path);
        if (!m.matches()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < captures.size(); i++) {
            String v = m.group(groups[i]);
            if (v != null) {
                out.put(captures.get(i), v);
            }
        }
        return out;
    }

    /**
     * The text every matching path starts with: the pattern up to its first special character
     * (without the character a quantifier there applies to), e.g. {@code "roles"} for {@code roles/?}.
     */
    static String literalPrefix(String pattern) {
        int depth = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '(' || c == ')') {
                depth += c == '(' ? 1 : -1;
            } else if (c == '|' && depth <= 0) {
                return ""; // a choice at the top: no prefix is common to all
            }
        }
        int end = 0;
        while (end < pattern.length() && "\\^$.|?*+()[]{}".indexOf(pattern.charAt(end)) < 0) {
            end++;
        }
        if (end < pattern.length() && "?*{".indexOf(pattern.charAt(end)) >= 0 && end > 0) {
            end--;
        }
        return pattern.substring(0, end);
    }

    public String declaredPattern() { return declared; }
    public Map<String, Field> fields() { return fields; }
    public Map<Operation, Handler> operations() { return operations; }
    public ExistenceCheck existenceCheck() { return existenceCheck; }
    public String synopsis() { return synopsis; }
    public String description() { return description; }

    /**
     * Whether {@code op} on this path is answered without a token (a login, a CA certificate,
     * {@code sys/health}). A write counts as the declared write operation (create or update).
     */
    public boolean isUnauthenticated(Operation op) {
        if (unauthenticatedWhen != null && !unauthenticatedWhen.getAsBoolean()) {
            return false;
        }
        if (unauthenticated.contains(op)) {
            return true;
        }
        return op == Operation.UPDATE && unauthenticated.contains(Operation.CREATE)
                || op == Operation.CREATE && unauthenticated.contains(Operation.UPDATE);
    }

    /** A token is used when one is presented, and the path is answered without one too. */
    public boolean isTokenOptional() { return tokenOptional; }

    /** Answered while the broker is sealed (initialisation, unsealing, health). */
    public boolean isServedWhileSealed() { return servedWhileSealed; }

    /** Answered as a bare JSON object rather than inside Vault's response envelope. */
    public boolean isRawResponse() { return rawResponse; }

    /** Needs the {@code sudo} capability on top of the operation's own (Vault's root paths). */
    public boolean isSudo() { return sudo; }

    /**
     * Accepts a request path the broker would otherwise refuse (empty segments, an encoded '/'):
     * for a capture holding foreign encoded data, such as an OCSP GET's base64.
     */
    public boolean isLenientPath() { return lenientPath; }

    /** Whether {@code op} is declared {@link Builder#nonBlocking nonBlocking} (a write as its declared create or update). */
    public boolean mayAnswerWithoutBlocking(Operation op) {
        return nonBlocking.containsKey(op) || op == Operation.CREATE && nonBlocking.containsKey(Operation.UPDATE)
                || op == Operation.UPDATE && nonBlocking.containsKey(Operation.CREATE);
    }

    /** Whether this request of a nonBlocking operation may be answered from memory, as its check says. */
    public boolean answersWithoutBlocking(Operation op, Request request, FieldData data) {
        NonBlockingCheck check = nonBlocking.get(op);
        if (check == null) {
            check = nonBlocking.get(op == Operation.CREATE ? Operation.UPDATE : Operation.CREATE);
        }
        return check != null && check.holds(request, data);
    }

    /** Builder for a {@link PathSpec}. */
    public static final class Builder {
        private final String pattern;
        private final List<Field> fields = new ArrayList<>();
        private final Map<Operation, Handler> operations = new EnumMap<>(Operation.class);
        private ExistenceCheck existenceCheck;
        private String synopsis = "";
        private String description = "";
        private Set<Operation> unauthenticated;
        private BooleanSupplier unauthenticatedWhen;
        private boolean tokenOptional;
        private boolean servedWhileSealed;
        private boolean rawResponse;
        private boolean sudo;
        private boolean lenientPath;
        private final Map<Operation, NonBlockingCheck> nonBlocking = new EnumMap<>(Operation.class);

        private Builder(String pattern) {
            this.pattern = pattern;
        }

        public Builder fields(Field... declared) {
            fields.addAll(List.of(declared));
            return this;
        }

        public Builder fields(Collection<Field> declared) {
            fields.addAll(declared);
            return this;
        }

        public Builder on(Operation op, Handler handler) {
            operations.put(op, handler);
            return this;
        }

        public Builder existenceCheck(ExistenceCheck check) {
            this.existenceCheck = check;
            return this;
        }

        public Builder help(String synopsis, String description) {
            this.synopsis = synopsis;
            this.description = description;
            return this;
        }

        /**
         * Every operation is answered without a token (Vault's {@code PathsSpecial.Unauthenticated}):
         * a login; an {@code auth} block in its answer asks the broker to issue a token.
         */
        public Builder unauthenticated() {
            this.unauthenticated = EnumSet.allOf(Operation.class);
            return this;
        }

        /** These operations are answered without a token; the others need one. */
        public Builder unauthenticated(Operation first, Operation... more) {
            this.unauthenticated = EnumSet.of(first, more);
            return this;
        }

        /**
         * Every operation is answered without a token while {@code when} holds (asked on each
         * request: a setting, such as Vault's {@code unauthenticated_metrics_access}); otherwise a
         * token and a policy granting the path are needed as anywhere else.
         */
        public Builder unauthenticatedWhen(BooleanSupplier when) {
            this.unauthenticated = EnumSet.allOf(Operation.class);
            this.unauthenticatedWhen = when;
            return this;
        }

        /** Uses the caller's token when one is presented, answers without one too. */
        public Builder tokenOptional() {
            this.tokenOptional = true;
            return this;
        }

        /** Answered while sealed (the path must also be unauthenticated). */
        public Builder servedWhileSealed() {
            this.servedWhileSealed = true;
            return this;
        }

        /** Answered as a bare JSON object, not in the response envelope. */
        public Builder rawResponse() {
            this.rawResponse = true;
            return this;
        }

        /** Needs {@code sudo} on top of the operation's capability. */
        public Builder sudo() {
            this.sudo = true;
            return this;
        }

        /** Accepts empty segments and encoded '/' in the request path (see {@link PathSpec#isLenientPath()}). */
        public Builder lenientPath() {
            this.lenientPath = true;
            return this;
        }

        /**
         * {@code op}'s handler, when {@code check} holds for the request, waits on nothing but the
         * engine's storage and only reads it (no other I/O, and for a few milliseconds of CPU at
         * most), so the broker may answer it on the I/O thread that read it, from what it holds in
         * memory (see {@link NonBlocking}). Should a read need PostgreSQL after all, the request is
         * run again on a worker from the start: the handler must change nothing before its reads.
         */
        public Builder nonBlocking(Operation op, NonBlockingCheck check) {
            nonBlocking.put(op, check);
            return this;
        }

        public PathSpec build() {
            return new PathSpec(this);
        }
    }
}
