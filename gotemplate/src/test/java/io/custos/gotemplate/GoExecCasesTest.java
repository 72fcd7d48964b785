package io.custos.gotemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cases of Go's {@code text/template/exec_test.go} that apply to Java data (structs become
 * maps, methods are left out), with Go's expected output; {@code null} means Go reports an error.
 */
class GoExecCasesTest {
    static final Map<String, TemplateFunction> FUNCS = new HashMap<>();

    static {
        FUNCS.put("add", a -> ((Number) a.get(0)).longValue() + ((Number) a.get(1)).longValue());
        FUNCS.put("echo", a -> a.get(0));
        FUNCS.put("count", a -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < ((Number) a.get(0)).intValue(); i++) {
                out.add(String.valueOf("abcdefghijklmnop".charAt(i)));
            }
            return out;
        });
        FUNCS.put("makemap", a -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i + 1 < a.size(); i += 2) {
                m.put((String) a.get(i), a.get(i + 1));
            }
            return m;
        });
        FUNCS.put("mapOfThree", a -> Map.of("three", 3L));
        FUNCS.put("zeroArgs", a -> "zeroArgs");
        FUNCS.put("oneArg", a -> {
            if (!(a.size() == 1 && a.get(0) instanceof String s)) {
                throw new IllegalArgumentException("oneArg wants one string");
            }
            return "oneArg=" + s;
        });
    }

    static Map<String, Object> tVal() {
        Map<String, Object> u = new HashMap<>(Map.of("V", "v"));
        Map<String, Object> t = new HashMap<>();
        t.put("True", true);
        t.put("I", 17L);
        t.put("U16", 16L);
        t.put("X", "x");
        t.put("S", "xyz");
        t.put("U", u);
        t.put("FloatZero", 0.0);
        t.put("SI", List.of(3L, 4L, 5L));
        t.put("SIEmpty", List.of());
        t.put("SB", List.of(true, false));
        t.put("MSI", Map.of("one", 1L, "two", 2L, "three", 3L));
        t.put("MSIone", Map.of("one", 1L));
        t.put("MSIEmpty", Map.of());
        t.put("MXI", Map.of("one", 1L));
        t.put("MII", Map.of(1L, 1L));
        t.put("MI64S", Map.of(2L, "i642", 3L, "i643"));
        t.put("SMSI", List.of(Map.of("one", 1L, "two", 2L), Map.of("eleven", 11L, "twelve", 12L)));
        t.put("Empty0", null);
        t.put("Empty1", 3L);
        t.put("Empty2", "empty2");
        t.put("Empty3", List.of(7L, 8L));
        t.put("Empty4", Map.of("V", "UinEmpty"));
        t.put("PS", "a string");
        t.put("PSI", List.of(21L, 22L, 23L));
        t.put("NIL", null);
        TemplateFunction binary = a -> {
            if (a.size() != 2 || !(a.get(0) instanceof String) || !(a.get(1) instanceof String)) {
                throw new IllegalArgumentException("wrong arguments for BinaryFunc");
            }
            return "[" + a.get(0) + "=" + a.get(1) + "]";
        };
        TemplateFunction variadic = a -> {
            List<String> parts = new ArrayList<>();
            for (Object o : a) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("wrong type for value; expected string");
                }
                parts.add(s);
            }
            return "<" + String.join("+", parts) + ">";
        };
        t.put("BinaryFunc", binary);
        t.put("VariadicFunc", variadic);
        t.put("ErrFunc", (TemplateFunction) a -> "bla");
        return t;
    }

    static Arguments c(String name, String input, String output, Object data) {
        return Arguments.of(name, input, output, data);
    }

    static Stream<Arguments> cases() {
        Map<String, Object> tVal = tVal();
        return Stream.of(
                c("empty", "", "", null),
                c("text", "some text", "some text", null),
                c("nil action", "{{nil}}", null, null),
                c("ideal int", "{{typeOf 3}}", "int", 0L),
                c(".X", "-{{.X}}-", "-x-", tVal),
                c(".U.V", "-{{.U.V}}-", "-v-", tVal),
                c("map .one", "{{.MSI.one}}", "1", tVal),
                c("map .two", "{{.MSI.two}}", "2", tVal),
                c("map .NO", "{{.MSI.NO}}", "<no value>", tVal),
                c("map .one interface", "{{.MXI.one}}", "1", tVal),
                c("map .WRONG args", "{{.MSI.one 1}}", null, tVal),
                c("map .WRONG type", "{{.MII.one}}", "<no value>", tVal),
                c("dot int", "<{{.}}>", "<13>", 13L),
                c("dot float", "<{{.}}>", "<15.1>", 15.1),
                c("dot bool", "<{{.}}>", "<true>", true),
                c("dot string", "<{{.}}>", "<hello>", "hello"),
                c("dot slice", "<{{.}}>", "<[-1 -2 -3]>", List.of(-1L, -2L, -3L)),
                c("dot map", "<{{.}}>", "<map[two:22]>", Map.of("two", 22L)),
                c("$ int", "{{$}}", "123", 123L),
                c("$.I", "{{$.I}}", "17", tVal),
                c("$.U.V", "{{$.U.V}}", "v", tVal),
                c("declare in action", "{{$x := $.U.V}}{{$x}}", "v", tVal),
                c("simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", "3", tVal),
                c("nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", "3", tVal),
                c("nested assignment changes the last declaration",
                        "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}", "1", tVal),
                c("*[]int[1]", "{{index .PSI 1}}", "22", tVal),
                c("NIL", "{{.NIL}}", "<no value>", tVal),
                c("empty nil", "{{.Empty0}}", "<no value>", tVal),
                c("empty with int", "{{.Empty1}}", "3", tVal),
                c("empty with string", "{{.Empty2}}", "empty2", tVal),
                c("empty with slice", "{{.Empty3}}", "[7 8]", tVal),
                c("empty with struct, field", "{{.Empty4.V}}", "UinEmpty", tVal),
                c(".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", "[1=2]", tVal),
                c(".VariadicFunc0", "{{call .VariadicFunc}}", "<>", tVal),
                c(".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", "<he+llo>", tVal),
                c("if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", "[1=2]", tVal),
                c(".ErrFunc", "{{call .ErrFunc}}", "bla", tVal),
                c("call nil", "{{call nil}}", null, tVal),
                c(".BinaryFuncTooFew", "{{call .BinaryFunc `1`}}", null, tVal),
                c(".BinaryFuncTooMany", "{{call .BinaryFunc `1` `2` `3`}}", null, tVal),
                c(".BinaryFuncBad0", "{{call .BinaryFunc 1 3}}", null, tVal),
                c(".VariadicFuncBad0", "{{call .VariadicFunc 3}}", null, tVal),
                c("pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", "-<he+<llo>>-", tVal),
                c("parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15", tVal),
                c("parens: $ in paren", "{{($).X}}", "x", tVal),
                c("parens: $ in paren in pipe", "{{($ | echo).X}}", "x", tVal),
                c("parens: spaces and args", "{{(makemap \"up\" \"down\" \"left\" \"right\").left}}", "right", tVal),
                c("if true", "{{if true}}TRUE{{end}}", "TRUE", tVal),
                c("if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", tVal),
                c("if nil", "{{if nil}}TRUE{{end}}", null, tVal),
                c("if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal),
                c("if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal),
                c("if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal),
                c("if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal),
                c("if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal),
                c("if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal),
                c("if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal),
                c("if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal),
                c("if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO", tVal),
                c("if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", "true,17", tVal),
                c("if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", "17,true", tVal),
                c("if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", tVal),
                c("if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", tVal),
                c("print", "{{print \"hello, print\"}}", "hello, print", tVal),
                c("print 123", "{{print 1 2 3}}", "1 2 3", tVal),
                c("print nil", "{{print nil}}", "<nil>", tVal),
                c("println", "{{println 1 2 3}}", "1 2 3\n", tVal),
                c("printf int", "{{printf \"%04x\" 127}}", "007f", tVal),
                c("printf float", "{{printf \"%g\" 3.5}}", "3.5", tVal),
                c("printf string", "{{printf \"%s\" \"hello\"}}", "hello", tVal),
                c("printf function", "{{printf \"%#q\" zeroArgs}}", "`zeroArgs`", tVal),
                c("printf field", "{{printf \"%s\" .U.V}}", "v", tVal),
                c("printf dot", "{{with .I}}{{printf \"%d\" .}}{{end}}", "17", tVal),
                c("printf var", "{{with $x := .I}}{{printf \"%d\" $x}}{{end}}", "17", tVal),
                c("html", "{{html \"<script>alert(\\\"XSS\\\");</script>\"}}",
                        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null),
                c("html pipeline", "{{printf \"<script>alert(\\\"XSS\\\");</script>\" | html}}",
                        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null),
                c("html field", "{{html .PS}}", "a string", tVal),
                c("js", "{{js .}}", "It\\'d be nice.", "It'd be nice."),
                c("urlquery", "{{\"http://www.example.org/\"|urlquery}}", "http%3A%2F%2Fwww.example.org%2F", null),
                c("not", "{{not true}} {{not false}}", "false true", null),
                c("and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", null),
                c("or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", null),
                c("boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", tVal),
                c("boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", null),
                c("and short-circuit", "{{and 1 0 (index .SI 10)}}", "0", tVal),
                c("or short-circuit", "{{or 0 1 (index .SI 10)}}", "1", tVal),
                c("slice[0]", "{{index .SI 0}}", "3", tVal),
                c("slice[1]", "{{index .SI 1}}", "4", tVal),
                c("slice[HUGE]", "{{index .SI 10}}", null, tVal),
                c("slice[WRONG]", "{{index .SI `hello`}}", null, tVal),
                c("slice[nil]", "{{index .SI nil}}", null, tVal),
                c("map[one]", "{{index .MSI `one`}}", "1", tVal),
                c("map[two]", "{{index .MSI `two`}}", "2", tVal),
                c("map[NO]", "{{index .MSI `XXX`}}", "<no value>", tVal),
                c("map[nil]", "{{index .MSI nil}}", null, tVal),
                c("map[WRONG]", "{{index .MSI 10}}", null, tVal),
                c("double index", "{{index .SMSI 1 `eleven`}}", "11", tVal),
                c("nil[1]", "{{index nil 1}}", null, tVal),
                c("map MI64S", "{{index .MI64S 2}}", "i642", tVal),
                c("slice[:]", "{{slice .SI}}", "[3 4 5]", tVal),
                c("slice[1:]", "{{slice .SI 1}}", "[4 5]", tVal),
                c("slice[1:2]", "{{slice .SI 1 2}}", "[4]", tVal),
                c("slice[-1:]", "{{slice .SI -1}}", null, tVal),
                c("slice[1:-2]", "{{slice .SI 1 -2}}", null, tVal),
                c("slice[2:1]", "{{slice .SI 2 1}}", null, tVal),
                c("string[:]", "{{slice .S}}", "xyz", tVal),
                c("string[0:1]", "{{slice .S 0 1}}", "x", tVal),
                c("string[1:]", "{{slice .S 1}}", "yz", tVal),
                c("string[1:2]", "{{slice .S 1 2}}", "y", tVal),
                c("out of range", "{{slice .S 1 5}}", null, tVal),
                c("3-index slice of string", "{{slice .S 1 2 2}}", null, tVal),
                c("len slice", "{{len .SI}}", "3", tVal),
                c("len map", "{{len .MSI }}", "3", tVal),
                c("len of int", "{{len 3}}", null, tVal),
                c("len of nothing", "{{len .Empty0}}", null, tVal),
                c("with true", "{{with true}}{{.}}{{end}}", "true", tVal),
                c("with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", tVal),
                c("with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", tVal),
                c("with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal),
                c("with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", tVal),
                c("with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal),
                c("with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", tVal),
                c("with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", tVal),
                c("with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", tVal),
                c("with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", tVal),
                c("with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", tVal),
                c("with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", tVal),
                c("with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", tVal),
                c("with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", tVal),
                c("with else with chain", "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}",
                        "notempty", tVal),
                c("range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", tVal),
                c("range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", tVal),
                c("range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", tVal),
                c("range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", tVal),
                c("range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", tVal),
                c("range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", tVal),
                c("range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", tVal),
                c("range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal),
                c("range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", tVal),
                c("range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", tVal),
                c("range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", tVal),
                c("range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", "<0=3><1=4><2=5>", tVal),
                c("range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", tVal),
                c("range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>", tVal),
                c("range $x PSI", "{{range $x := .PSI}}<{{$x}}>{{end}}", "<21><22><23>", tVal),
                c("declare in range", "{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}", "<21><22><23>", tVal),
                c("range count", "{{range $i, $x := count 5}}[{{$i}}]{{$x}}{{end}}", "[0]a[1]b[2]c[3]d[4]e", tVal),
                c("range nil count", "{{range $i, $x := count 0}}{{else}}empty{{end}}", "empty", tVal),
                c("range int", "{{range 3}}{{.}}{{end}}", "012", tVal),
                c("range int with var", "{{range $i := 3}}{{$i}}{{end}}", "012", tVal),
                c("range int two vars", "{{range $i, $e := 3}}{{$i}}{{end}}", null, tVal),
                c("range break", "{{range .SI}}{{if eq . 4}}{{break}}{{end}}-{{.}}-{{end}}", "-3-", tVal),
                c("range continue", "{{range .SI}}{{if eq . 4}}{{continue}}{{end}}-{{.}}-{{end}}", "-3--5-", tVal),
                c("range assign", "{{$i := 0}}{{range $i = .SI}}{{end}}{{$i}}", "5", tVal),
                c("or as if true", "{{or .SI \"slice is empty\"}}", "[3 4 5]", tVal),
                c("or as if false", "{{or .SIEmpty \"slice is empty\"}}", "slice is empty", tVal),
                c("bug7a", "{{3 2}}", null, tVal),
                c("bug7b", "{{$x := 1}}{{$x 2}}", null, tVal),
                c("bug7c", "{{$x := 1}}{{3 | $x}}", null, tVal),
                c("bug8a", "{{3|oneArg}}", null, tVal),
                c("bug9", "{{.cause}}", "neglect", Map.of("cause", "neglect")),
                c("bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", 0L),
                c("bug12xe", "{{printf `%T` 0xef}}", "int", tVal),
                c("bug12XE", "{{printf `%T` 0XEE}}", "int", tVal),
                c("bug14a", "{{(nil).True}}", null, tVal),
                c("bug14b", "{{$x := nil}}{{$x.anything}}", null, tVal),
                c("bug15", "{{valueString returnInt}}", null, tVal),
                c("eq", "{{eq 1 1}} {{eq 1 2}} {{eq `a` `a`}} {{eq 1 2 3 1}}", "true false true true", null),
                c("ne", "{{ne 1 1}} {{ne `a` `b`}}", "false true", null),
                c("lt", "{{lt 1 2}} {{lt 2 1}} {{lt `a` `b`}} {{lt 1.5 2.5}}", "true false true true", null),
                c("le ge gt", "{{le 1 1}} {{ge 1 2}} {{gt 2 1}}", "true false true", null),
                c("eq mixed types", "{{eq 1 `1`}}", null, null),
                c("lt bool", "{{lt true false}}", null, null),
                c("eq nil", "{{eq .Empty0 nil}} {{eq .X nil}}", "true false", tVal),
                c("printf missing", "{{printf `%d %s`}}", "%!d(MISSING) %!s(MISSING)", null),
                c("printf extra", "{{printf `%d` 1 2}}", "1%!(EXTRA int=2)", null),
                c("printf bad verb", "{{printf `%d` `x`}}", "%!d(string=x)", null),
                c("printf width", "{{printf `[%5s][%-5s][%05d][%x][%X][%o][%b][%c][%q][%U]` `a` `b` 42 255 255 8 5 65 `q` 0x1F600}}",
                        "[    a][b    ][00042][ff][FF][10][101][A][\"q\"][U+1F600]", null),
                c("printf floats", "{{printf `%.2f %e %g %v %.3g` 3.14159 1234.5678 0.000012 1e21 1234.5678}}",
                        "3.14 1.234568e+03 1.2e-05 1e+21 1.23e+03", null),
                c("print large float", "{{1000000.0}} {{100000.0}} {{1.5}}", "1e+06 100000 1.5", null),
                c("block", "{{block \"inner\" .}}[{{.}}]{{end}}", "[5]", 5L),
                c("template", "{{define \"x\"}}<{{.}}>{{end}}{{template \"x\" 7}}", "<7>", null),
                c("template no dot", "{{define \"x\"}}<{{.}}>{{end}}{{template \"x\"}}", "<<no value>>", null),
                c("template no vars", "{{define \"x\"}}{{$}}{{end}}{{$a := 1}}{{template \"x\" 2}}", "2", null),
                c("undefined template", "{{template \"nope\"}}", null, null),
                c("trim", "a  {{- 3 -}}  b", "a3b", null),
                c("trim newlines", "a\n\t{{- 3 }}\n {{- 4 -}}\n\nb", "a34b", null),
                c("comment", "a{{/* c */}}b{{- /* d */ -}}  c", "abc", null),
                c("negative number", "{{-3}}", "-3", null),
                c("char constant", "{{'a'}} {{'\\n'}}", "97 10", null),
                c("raw string", "{{`a\\nb`}}", "a\\nb", null),
                c("string escapes", "{{\"a\\tb\\u00e9\"}}", "a\tb\u00e9", null),
                c("hex octal binary", "{{0x1F}} {{0o17}} {{0b101}} {{1_000}}", "31 15 5 1000", null),
                c("newline in action", "{{1 |\n print}}", "1", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void executesAsGo(String name, String input, String expected, Object data) {
        if (expected == null) {
            assertThrows(TemplateException.class, () -> render(input, data), name);
            return;
        }
        assertEquals(expected, render(input, data), name);
    }

    private static String render(String input, Object data) {
        Map<String, TemplateFunction> funcs = new HashMap<>(FUNCS);
        funcs.put("typeOf", a -> GoFmt.typeName(a.get(0)));
        funcs.put("returnInt", a -> 7L);
        funcs.put("valueString", a -> {
            if (!(a.get(0) instanceof String s)) {
                throw new IllegalArgumentException("wrong type for value; expected string; got int");
            }
            return s;
        });
        return Template.parse("test", input, Template.Options.DEFAULTS.withFunctions(funcs)).execute(data);
    }

}
