package io.custos.broker.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** A secret asked for on the terminal (not echoed), or read as one line of standard input when there is none. */
final class Prompt {
    private Prompt() {
    }

    static String secret(CliEnvironment env, String question) {
        Console console = System.console();
        if (console != null && env.in() == System.in) {
            char[] answer = console.readPassword(question);
            if (answer == null || answer.length == 0) {
                throw CliException.usage("nothing was entered");
            }
            return new String(answer);
        }
        try {
            String line = new BufferedReader(new InputStreamReader(env.in(), StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isBlank()) {
                throw CliException.usage("nothing was read from standard input");
            }
            return line.trim();
        } catch (IOException e) {
            throw CliException.local("cannot read standard input: " + e.getMessage());
        }
    }
}
