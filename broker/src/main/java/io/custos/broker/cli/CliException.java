package io.custos.broker.cli;

/**
 * A command that cannot finish, with Vault's exit code: {@link #LOCAL} (1) for what went wrong
 * here (a file that cannot be read, a field not in the answer), {@link #USAGE_OR_SERVER} (2) for
 * wrong arguments and for what the broker refused or could not be reached for.
 */
final class CliException extends RuntimeException {
    static final int LOCAL = 1;
    static final int USAGE_OR_SERVER = 2;

    private final int exitCode;
    private final boolean answer;

    CliException(int exitCode, String message) {
        this(exitCode, message, false);
    }

    private CliException(int exitCode, String message, boolean answer) {
        super(message);
        this.exitCode = exitCode;
        this.answer = answer;
    }

    /**
     * Not a failure: the command stops at its first request and prints {@code text} as its whole
     * answer, exit 0 ({@code -output-curl-string}, as Vault's {@code OutputStringError}).
     */
    static CliException answer(String text) {
        return new CliException(0, text, true);
    }

    /** Whether the message is the command's answer (standard output, exit 0) rather than an error. */
    boolean isAnswer() {
        return answer;
    }

    static CliException local(String message) {
        return new CliException(LOCAL, message);
    }

    static CliException usage(String message) {
        return new CliException(USAGE_OR_SERVER, message);
    }

    int exitCode() {
        return exitCode;
    }
}
