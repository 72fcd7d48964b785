package io.custos.broker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the CLI keeps the token between commands. {@code CUSTOS_TOKEN} or {@code VAULT_TOKEN}
 * wins; otherwise Vault's token helper protocol — a program named by {@code token_helper} in the
 * CLI configuration ({@code CUSTOS_CONFIG_PATH}, {@code VAULT_CONFIG_PATH}, {@code ~/.custos} or
 * {@code ~/.vault}) run with {@code get}, {@code store} (the token on its standard input) or
 * {@code erase} — or, without one, the file {@code ~/.custos-token} (mode 0600).
 */
final class TokenHelper {
    private static final Pattern HELPER = Pattern.compile("(?m)^\\s*token_helper\\s*=\\s*\"([^\"]+)\"");

    private final CliEnvironment env;
    private final String program;

    private TokenHelper(CliEnvironment env, String program) {
        this.env = env;
        this.program = program;
    }

    static TokenHelper of(CliEnvironment env) {
        return new TokenHelper(env, configuredProgram(env));
    }

    private static String configuredProgram(CliEnvironment env) {
        String explicit = env.first("CUSTOS_CONFIG_PATH", "VAULT_CONFIG_PATH");
        for (Path p : explicit != null ? new Path[] {Path.of(explicit)}
                : new Path[] {env.home().resolve(".custos"), env.home().resolve(".vault")}) {
            if (Files.isRegularFile(p)) {
                try {
                    Matcher m = HELPER.matcher(Files.readString(p));
                    return m.find() ? m.group(1) : null;
                } catch (IOException e) {
                    throw CliException.local("cannot read the CLI configuration " + p + ": " + e.getMessage());
                }
            }
        }
        return null;
    }

    Path file() {
        return env.home().resolve(".custos-token");
    }

    /** The token to use: the environment's, the helper's or the file's; null when there is none. */
    String get() {
        String t = env.first("CUSTOS_TOKEN", "VAULT_TOKEN");
        if (t != null) {
            return t.trim();
        }
        if (program != null) {
            String out = run("get", null).trim();
            return out.isEmpty() ? null : out;
        }
        try {
            return Files.isRegularFile(file()) ? Files.readString(file()).trim() : null;
        } catch (IOException e) {
            throw CliException.local("cannot read " + file() + ": " + e.getMessage());
        }
    }

    /** Keeps {@code token} for the next commands (the helper's {@code store}, or the file written atomically). */
    void store(String token) {
        if (program != null) {
            run("store", token);
            return;
        }
        try {
            Path tmp = Files.createTempFile(env.home(), ".custos-token", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, token);
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw CliException.local("cannot store the token in " + file() + ": " + e.getMessage());
        }
    }

    private String run(String verb, String input) {
        try {
            Process p = new ProcessBuilder(program, verb).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (OutputStream stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw CliException.local("the token helper " + program + " " + verb + " failed");
            }
            return out;
        } catch (IOException e) {
            throw CliException.local("cannot run the token helper " + program + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.local("interrupted");
        }
    }
}
