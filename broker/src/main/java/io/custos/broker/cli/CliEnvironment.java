package io.custos.broker.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a CLI command reads and writes besides the broker: the environment variables, the
 * standard streams and the home directory (where the token is kept). The launcher passes the
 * process's own; tests pass theirs, so commands run in-process against a test broker.
 */
public record CliEnvironment(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, Path home) {

    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), System.out, System.err, System.in,
                Path.of(System.getProperty("user.home")));
    }

    /** The first of {@code names} set to something non-blank, or null. */
    public String first(String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
