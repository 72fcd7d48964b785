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

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
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
