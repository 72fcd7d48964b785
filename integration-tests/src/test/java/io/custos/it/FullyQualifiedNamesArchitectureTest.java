package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No inline fully-qualified type name where an import would do, in any module's sources (main and
 * test): {@code java.util.List<String> x} inside code is written {@code List<String> x}. A name is
 * allowed qualified only where the simple name is taken — imported from another package, declared
 * in the file, or qualified differently elsewhere in the same file (two {@code ECPrivateKey}s).
 */
class FullyQualifiedNamesArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern FQN = Pattern.compile(
            "(?<![\\w.@])((?:java|javax|jakarta|io|com|org|picocli)\\.(?:[a-z][a-z0-9_]*\\.)+)([A-Z][A-Za-z0-9_]*)");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import ([\\w.]+)\\.([A-Z]\\w*);");
    private static final Pattern DECLARED = Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");

    /** The source with comments, strings and character literals blanked out (positions kept). */
    static String code(String src) {
        char[] out = src.toCharArray();
        int n = src.length();
        int i = 0;
        while (i < n) {
            int end;
            if (src.startsWith("//", i)) {
                end = src.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                end = src.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char q = src.charAt(i);
                end = i + 1;
                while (end < n && src.charAt(end) != q) {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, n);
            } else {
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                if (out[k] != '\n') {
                    out[k] = ' ';
                }
            }
            i = end;
        }
        return new String(out);
    }

    /** The unnecessary qualified names of one file, as "line: name". */
    static List<String> unnecessary(String src) {
        String code = code(src);
        Map<String, String> imported = new HashMap<>();
        Matcher im = IMPORT.matcher(src);
        while (im.find()) {
            imported.put(im.group(2), im.group(1));
        }
        Set<String> declared = new HashSet<>();
        Matcher dm = DECLARED.matcher(code);
        while (dm.find()) {
            declared.add(dm.group(1));
        }
        Map<String, Set<String>> packagesBySimpleName = new HashMap<>();
        List<int[]> spans = new ArrayList<>();
        List<String[]> names = new ArrayList<>();
        Matcher m = FQN.matcher(code);
        while (m.find()) {
            int lineStart = code.lastIndexOf('\n', m.start()) + 1;
            String line = code.substring(lineStart, m.start()).strip();
            if (line.startsWith("import") || line.startsWith("package")) {
                continue;
            }
            String pkg = m.group(1).substring(0, m.group(1).length() - 1);
            packagesBySimpleName.computeIfAbsent(m.group(2), k -> new HashSet<>()).add(pkg);
            spans.add(new int[] {m.start()});
            names.add(new String[] {pkg, m.group(2)});
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String pkg = names.get(i)[0];
            String simple = names.get(i)[1];
            boolean taken = (imported.containsKey(simple) && !imported.get(simple).equals(pkg)) || declared.contains(simple)
                    || packagesBySimpleName.get(simple).size() > 1;
            if (!taken) {
                int line = 1 + (int) code.substring(0, spans.get(i)[0]).chars().filter(c -> c == '\n').count();
                out.add(line + ": " + pkg + "." + simple);
            }
        }
        return out;
    }

    @Test
    void theCheckSeesWhatItShould() {
        String src = """
                package p;
                import java.util.List;
                import org.bouncycastle.asn1.sec.ECPrivateKey;
                class A {
                    // java.util.Map in a comment, and in a "java.util.Set string"
                    java.util.Map<String, List<String>> m;
                    java.security.interfaces.ECPrivateKey k;
                    java.util.List<String> l;
                }
                """;
        List<String> found = unnecessary(src);
        assertTrue(found.equals(List.of("6: java.util.Map", "8: java.util.List")), found.toString());
    }

    @Test
    void noSourceQualifiesATypeAnImportWouldName() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/")
                    && !p.toString().contains("/target/") && !p.toString().contains("/node_modules/")).toList()) {
                for (String p : unnecessary(Files.readString(f, StandardCharsets.UTF_8))) {
                    problems.add(ROOT.relativize(f) + ":" + p);
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " inline fully-qualified names an import would do:\n"
                + String.join("\n", problems));
    }
}
