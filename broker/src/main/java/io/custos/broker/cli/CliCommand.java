package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A CLI command that talks to a broker: the client options, the environment it runs in, and
 * Vault's exit codes — 0 done, 1 a local problem, 2 wrong usage or an error from the broker
 * (whose message is printed after the command's own "Error doing X:").
 */
abstract class CliCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    CliEnvironment env;
    private String doing = "Error";
    private CliClient client;

    /** The factory that hands every command the environment (the launcher's, or a test's). */
    static CommandLine.IFactory factory(CliEnvironment env) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof CliCommand c) {
                    c.env = env;
                }
                return made;
            }
        };
    }

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (CliException e) {
            if (e.isAnswer()) {
                env.out().println(e.getMessage());
            } else {
                env.err().println(doing + ": " + e.getMessage());
            }
            return e.exitCode();
        }
    }

    abstract int run();

    /** What the command is doing, for its error message ("Error reading secret/x"). */
    void doing(String what) {
        this.doing = "Error " + what;
    }

    /** The client for this command, made once (its TLS files and token helper read once). */
    CliClient client() {
        if (client == null) {
            client = options.client(env);
        }
        return client;
    }

    Output output() {
        return new Output(env, options);
    }

    void success(String message) {
        env.out().println("Success! " + message);
    }

    /** A wrapped answer ({@code -wrap-ttl}): a wrapping token in place of what was asked for. */
    static boolean wrapped(JsonNode answer) {
        return answer != null && answer.path("wrap_info").isObject();
    }

    /** Prints a secret, or {@code whenEmpty} for an answer without one (a write answered 204). */
    int secretOr(JsonNode secret, String whenEmpty) {
        if (secret == null || !(secret.path("data").isObject() || secret.path("auth").isObject() || wrapped(secret)
                || secret.path("warnings").size() > 0)) {
            success(whenEmpty);
            return 0;
        }
        return output().secret(secret);
    }
}
