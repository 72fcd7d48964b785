package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.body.CallableDeclaration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Production sources stay a size a reader takes in: no file above {@value #MAX_FILE_LINES} lines
 * (about 500: large classes are split by path family, as OpenBao splits {@code path_roles.go},
 * {@code path_issue_sign.go}...) and no method or constructor above {@value #MAX_METHOD_LINES}
 * lines, lambdas included, counted from its signature to its closing brace (JavaParser's ranges).
 */
class SizeArchitectureTest {
    static final int MAX_FILE_LINES = 550;
    static final int MAX_METHOD_LINES = 60;
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static List<Path> productionSources() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/node_modules/"))
                    .sorted().toList();
        }
    }

    @Test
    void noProductionFileIsLong() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (Path p : productionSources()) {
            long lines = Files.readAllLines(p).size();
            if (lines > MAX_FILE_LINES) {
                tooLong.add(ROOT.relativize(p) + ": " + lines + " lines");
            }
        }
        assertEquals(List.of(), tooLong, "files above " + MAX_FILE_LINES + " lines: split them by responsibility");
    }

    @Test
    void noMethodIsLong() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (Path p : productionSources()) {
            tooLong.addAll(longMethods(ROOT.relativize(p).toString(), Files.readString(p)));
        }
        assertEquals(List.of(), tooLong, "methods above " + MAX_METHOD_LINES + " lines: extract the steps");
    }

    @Test
    void theMeasureSeesALongMethodAndNotAShortOne() {
        String shortOne = "class A { void a() {\n int x = 1;\n} }";
        String longOne = "class B { void b() {\n" + "  int x = 1;\n".repeat(MAX_METHOD_LINES) + "} }";
        assertEquals(List.of(), longMethods("A.java", shortOne));
        assertEquals(List.of("B.java:1 b(): " + (MAX_METHOD_LINES + 2) + " lines"), longMethods("B.java", longOne));
    }

    /** The methods and constructors of {@code source} longer than the limit, as "file:line name(): n lines". */
    static List<String> longMethods(String file, String source) {
        JavaParser parser = new JavaParser(new ParserConfiguration()
                .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17));
        ParseResult<CompilationUnit> parsed = parser.parse(source);
        CompilationUnit unit = parsed.getResult().filter(r -> parsed.isSuccessful())
                .orElseThrow(() -> new AssertionError(file + " does not parse: " + parsed.getProblems()));
        List<String> out = new ArrayList<>();
        for (CallableDeclaration<?> m : unit.findAll(CallableDeclaration.class)) {
            m.getRange().ifPresent(r -> {
                int lines = r.end.line - r.begin.line + 1;
                if (lines > MAX_METHOD_LINES) {
                    out.add(file + ":" + r.begin.line + " " + m.getNameAsString() + "(): " + lines + " lines");
                }
            });
        }
        return out;
    }
}
