package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code @MicronautTest} says {@code transactional = false}. Micronaut Test's default wraps each
 * test method in a transaction it rolls back: whatever the test thread writes straight through
 * storage is then never committed — invisible to the broker's other threads and connections and
 * never announced on the change feed — while this node's write-through cache shows it, until a
 * late notification drops the cache and the write is gone. A test built that way passes or fails
 * with the feed's timing (JwtAuthTest did, on a 20 ms delay per notification). Custos's storage
 * commits every write; its tests must see the same.
 */
class TestTransactionsArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern ROLLED_BACK = Pattern.compile("@MicronautTest(?!\\([^)]*transactional = false)");

    @Test
    void noTestRunsInATransactionThatIsRolledBack() throws IOException {
        List<String> offending;
        try (Stream<Path> files = Files.walk(ROOT)) {
            offending = files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/test/java/")
                            && !p.toString().contains("/target/"))
                    .filter(p -> ROLLED_BACK.matcher(FullyQualifiedNamesArchitectureTest.code(read(p))).find())
                    .map(p -> ROOT.relativize(p).toString()).sorted().toList();
        }
        assertEquals(List.of(), offending, "@MicronautTest without transactional = false");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(p.toString(), e);
        }
    }
}
