package io.custos.engine.database;

import java.util.List;

/**
 * A stored {@code static-roles/:name}: one existing database user whose password Custos rotates.
 * Times are epoch seconds. A non-null {@code pendingPassword} marks a rotation that did not finish
 * (the broker died between ALTER and commit): the next pass rotates again.
 */
record StaticRole(String dbName, String username, long rotationPeriod, String rotationSchedule, long rotationWindow,
        List<String> rotationStatements, String password, long lastRotation, long nextRotation,
        String pendingPassword) {

    StaticRole rotated(String newPassword, long now, long next) {
        return new StaticRole(dbName, username, rotationPeriod, rotationSchedule, rotationWindow, rotationStatements,
                newPassword, now, next, null);
    }

    StaticRole pending(String newPassword) {
        return new StaticRole(dbName, username, rotationPeriod, rotationSchedule, rotationWindow, rotationStatements,
                password, lastRotation, nextRotation, newPassword);
    }

    @Override
    public String toString() {
        return "StaticRole[" + username + "]";
    }
}
