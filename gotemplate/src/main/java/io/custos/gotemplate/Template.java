package io.custos.gotemplate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed Go template set ({@code text/template}): the main template and the ones it defines,
 * ready to execute against data. Java values stand for Go's: {@code Map} (fields are keys),
 * {@code List}, {@code String}, {@code Boolean}, integral numbers, {@code Double}, {@code null}
 * (nil), {@link TemplateFunction} values (for {@code call}).
 *
 * <pre>{@code
 * Template t = Template.parse("user", "{{ .DisplayName | printf \"v-%s\" }}", Template.Options.DEFAULTS);
 * String out = t.execute(Map.of("DisplayName", "app"));
 * }</pre>
 *
 * Parsing is a single pass, linear in the text; execution is bounded by a nesting depth and an
 * output size, since template texts may come from anyone who can write a config.
 */
public final class Template {
    /** What a missing map key yields: {@code <no value>} (default/zero) or an error ({@code missingkey=error}). */
    public enum MissingKey { DEFAULT, ZERO, ERROR }

    /** Parse and execution options; {@link #DEFAULTS} are Go's. */
    public record Options(String leftDelim, String rightDelim, Map<String, TemplateFunction> functions,
            MissingKey missingKey, long maxOutputBytes) {
        public static final Options DEFAULTS = new Options("{{", "}}", Map.of(), MissingKey.DEFAULT, 16L << 20);

        public Options {
            leftDelim = leftDelim == null || leftDelim.isEmpty() ? "{{" : leftDelim;
            rightDelim = rightDelim == null || rightDelim.isEmpty() ? "}}" : rightDelim;
            functions = functions == null ? Map.of() : Map.copyOf(functions);
            missingKey = missingKey == null ? MissingKey.DEFAULT : missingKey;
        }

        public Options withDelimiters(String left, String right) {
            return new Options(left, right, functions, missingKey, maxOutputBytes);
        }

        /** These functions in addition to (and shadowing) the ones already set. */
        public Options withFunctions(Map<String, TemplateFunction> more) {
            Map<String, TemplateFunction> all = new LinkedHashMap<>(functions);
            all.putAll(more);
            return new Options(leftDelim, rightDelim, all, missingKey, maxOutputBytes);
        }

        public Options withMissingKey(MissingKey mode) {
            return new Options(leftDelim, rightDelim, functions, mode, maxOutputBytes);
        }

        public Options withMaxOutputBytes(long max) {
            return new Options(leftDelim, rightDelim, functions, missingKey, max);
        }
    }

    private final String name;
    private final Options options;
    private final Map<String, Parser.Tree> set;

    private Template(String name, Options options, Map<String, Parser.Tree> set) {
        this.name = name;
        this.options = options;
        this.set = set;
    }

    /** Parses {@code text} as the template {@code name}; a syntax error is a {@link TemplateException}. */
    public static Template parse(String name, String text, Options options) {
        Objects.requireNonNull(text, "text");
        Options o = options == null ? Options.DEFAULTS : options;
        Map<String, Parser.Tree> set = new LinkedHashMap<>();
        Parser.parse(name, text, o.leftDelim(), o.rightDelim(), fn -> Builtins.isBuiltin(fn)
                || o.functions().containsKey(fn), set);
        return new Template(name, o, set);
    }

    /** Adds the definitions of another text to this set (Go's {@code t.New(name).Parse(text)}). */
    public Template parseMore(String otherName, String text) {
        Map<String, Parser.Tree> more = new LinkedHashMap<>(set);
        Parser.parse(otherName, text, options.leftDelim(), options.rightDelim(),
                fn -> Builtins.isBuiltin(fn) || options.functions().containsKey(fn), more);
        return new Template(name, options, more);
    }

    public String name() {
        return name;
    }

    /** The names of every template in the set, sorted. */
    public Set<String> definedTemplates() {
        return Collections.unmodifiableSet(new TreeSet<>(set.keySet()));
    }

    /** Runs the main template against {@code data}. */
    public String execute(Object data) {
        return executeTemplate(name, data);
    }

    /** Runs the named template of the set against {@code data}. */
    public String executeTemplate(String templateName, Object data) {
        Parser.Tree tree = set.get(templateName);
        if (tree == null) {
            throw new TemplateException("template: no template " + GoFmt.quote(templateName) + " associated with "
                    + "template " + GoFmt.quote(name));
        }
        return new Exec(set, options).run(tree, data);
    }
}
