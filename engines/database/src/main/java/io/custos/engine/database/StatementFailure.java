package io.custos.engine.database;

import java.sql.SQLException;

/**
 * A statement of a role's list failed on the target: which one ({@code index} of {@code count},
 * from 1) and PostgreSQL's own error, but never the statement's text, which holds the password
 * and must not reach a client.
 */
final class StatementFailure extends SQLException {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final int count;

    StatementFailure(int index, int count, SQLException cause) {
        super(cause.getMessage(), cause.getSQLState(), cause);
        this.index = index;
        this.count = count;
    }

    int index() {
        return index;
    }

    int count() {
        return count;
    }
}
