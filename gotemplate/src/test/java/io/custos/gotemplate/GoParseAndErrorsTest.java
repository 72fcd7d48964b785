package io.custos.gotemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parse errors with Go's messages (from parse_test.go), execution error positions, options and limits. */
class GoParseAndErrorsTest {
    private static String run(String text, Object data) {
        return Template.parse("t", text, Template.Options.DEFAULTS).execute(data);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', quoteCharacter = '\'', value = {
        "unclosed action#{{hello#unclosed action",
        "unmatched end#{{end}}#unexpected {{end}}",
        "unmatched else#{{else}}#unexpected {{else}}",
        "missing end#hello{{range .x}}#unexpected EOF",
        "missing end after else#hello{{range .x}}{{else}}#unexpected EOF",
        "undefined function#hello{{undefined}}#function \"undefined\" not defined",
        "undefined variable#{{$x}}#undefined variable \"$x\"",
        "variable out of scope#{{with $x := 4}}{{end}}{{$x}}#undefined variable \"$x\"",
        "variable undefined after end#{{with $x := 4}}{{end}}{{$x}}#undefined variable",
        "declare with field#{{with $x.Y := 4}}{{end}}#undefined variable \"$x\"",
        "two declarations outside range#{{$a, $b := 1}}#too many declarations in command",
        "break outside range#{{break}}#{{break}} outside {{range}}",
        "continue outside range#{{continue}}#{{continue}} outside {{range}}",
        "empty pipeline#{{}}#missing value for command",
        "non executable in stage 2#{{1 | 2}}#non executable command in pipeline stage 2",
        "unclosed paren#{{(3}}#unclosed left paren",
        "extra right paren#{{3)}}#unexpected right paren",
        "unterminated string#{{\"x}}#unterminated quoted string",
        "unterminated raw string#{{`x}}#unterminated raw quoted string",
        "bad number#{{3k}}#bad number syntax",
        "unclosed comment#{{/* x }}#unclosed comment",
        "comment not closed by delimiter#{{/* x */ 3}}#comment ends before closing delimiter",
        "template name not string#{{template x}}#unexpected",
        "dot after literal#{{true.any}}#unexpected . after term",
        "expected :=#{{$x:3}}#expected :=",
        "bad character#{{3@}}#unexpected \"@\" in operand",
        "bad character in action#{{3\u00a7}}#unrecognized character in action",
        "else after end-of-else#{{if .X}}1{{else}}2{{else}}3{{end}}#expected end; found {{else}}",
        "multiple definition#{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}#multiple definition of template \"a\"",
    })
    void parseErrorsAreGos(String name, String text, String message) {
        TemplateException e = assertThrows(TemplateException.class, () -> run(text, null));
        assertTrue(e.getMessage().startsWith("template: t:1: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), name + " -> " + e.getMessage());
    }

    @Test
    void executionErrorsNameTheLineColumnAndAction() {
        TemplateException e = assertThrows(TemplateException.class, () -> run("line one\n  {{index .a 5}}",
                Map.of("a", List.of(1L))));
        assertEquals("template: t:2:4: executing \"t\" at <index .a 5>: error calling index: index out of range: 5",
                e.getMessage());
        TemplateException nil = assertThrows(TemplateException.class, () -> run("{{.a.b}}",
                Collections.singletonMap("a", null)));
        assertTrue(nil.getMessage().endsWith("nil pointer evaluating interface {}.b"), nil.getMessage());
    }

    @Test
    void missingKeyModes() {
        assertEquals("<no value>", run("{{.missing}}", Map.of()));
        assertEquals("<no value>", run("{{.missing.deeper}}", Map.of()));
        Template.Options error = Template.Options.DEFAULTS.withMissingKey(Template.MissingKey.ERROR);
        TemplateException e = assertThrows(TemplateException.class,
                () -> Template.parse("t", "{{.missing}}", error).execute(Map.of()));
        assertTrue(e.getMessage().endsWith("map has no entry for key \"missing\""), e.getMessage());
        assertEquals("<no value>", Template.parse("t", "{{.missing}}",
                Template.Options.DEFAULTS.withMissingKey(Template.MissingKey.ZERO)).execute(Map.of()));
    }

    @Test
    void customDelimitersLeaveTheDefaultOnesAsText() {
        Template t = Template.parse("t", "[[ .a ]] {{ .a }} [[- \" x\" -]] y", Template.Options.DEFAULTS
                .withDelimiters("[[", "]]"));
        assertEquals("1 {{ .a }} xy", t.execute(Map.of("a", 1L)));
    }

    @Test
    void definitionsCanBeExecutedByNameAndAddedLater() {
        Template t = Template.parse("main", "{{define \"greet\"}}hi {{.}}{{end}}{{template \"greet\" .}}!",
                Template.Options.DEFAULTS);
        assertEquals("hi you!", t.execute("you"));
        assertEquals("hi me", t.executeTemplate("greet", "me"));
        assertEquals(Set.of("main", "greet"), t.definedTemplates());
        Template more = t.parseMore("extra", "{{define \"bye\"}}bye {{.}}{{end}}");
        assertEquals("bye x", more.executeTemplate("bye", "x"));
    }

    @Test
    void recursionAndOutputAreBounded() {
        Template loop = Template.parse("t", "{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}",
                Template.Options.DEFAULTS);
        TemplateException deep = assertThrows(TemplateException.class, () -> loop.execute(null));
        assertTrue(deep.getMessage().contains("exceeded maximum template depth"), deep.getMessage());
        Template big = Template.parse("t", "{{range 100000}}xxxxxxxxxx{{end}}",
                Template.Options.DEFAULTS.withMaxOutputBytes(1000));
        TemplateException large = assertThrows(TemplateException.class, () -> big.execute(null));
        assertTrue(large.getMessage().contains("output exceeds 1000 bytes"), large.getMessage());
    }

    @Test
    void hostileTextsAreRefusedNotOverflowed() {
        String parens = "{{" + "(".repeat(5000) + "1" + ")".repeat(5000) + "}}";
        TemplateException p = assertThrows(TemplateException.class, () -> run(parens, null));
        assertTrue(p.getMessage().contains("nesting deeper than 256"), p.getMessage());
        String ifs = "{{if true}}".repeat(5000) + "x" + "{{end}}".repeat(5000);
        TemplateException b = assertThrows(TemplateException.class, () -> run(ifs, null));
        assertTrue(b.getMessage().contains("nesting deeper than 256"), b.getMessage());
        assertEquals("x", run("{{if true}}".repeat(200) + "x" + "{{end}}".repeat(200), null));
        // quotes, backslashes and a 64 KiB value pass through untouched
        String big = "\"'\\".repeat(16 * 1024);
        assertEquals(big, run("{{.v}}", Map.of("v", big)));
        assertEquals("a\"b\\c", run("{{\"a\\\"b\\\\c\"}}", null));
        List<Object> withNil = new ArrayList<>();
        withNil.add(null);
        assertEquals("[<nil>]", run("{{.}}", new Object[] {null}));
        assertEquals("[<nil>]", run("{{.}}", withNil));
    }

    @Test
    void parsingIsLinearInTheTextLength() {
        // a text 64 times larger parses in far less than 64^2 times the time; checked by size, not by clock
        String unit = "{{ if .a }}{{ .b | printf \"%s\" }}{{ else }}{{ range $i, $e := .c }}{{ $i }}{{ end }}{{ end }}\n";
        Template t = Template.parse("t", unit.repeat(20_000), Template.Options.DEFAULTS);
        assertEquals(20_000, t.execute(Map.of("a", true, "b", "x")).length() / 2);
    }
}
