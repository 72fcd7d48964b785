package io.custos.engine.database;

import java.util.List;

/**
 * A stored {@code config/:name}. The password (and a rotation's pending password) are kept here
 * behind the broker's barrier and are never returned by the API.
 */
record DbConfig(String pluginName, String connectionUrl, String username, String password, List<String> allowedRoles,
        int maxOpenConnections, int maxIdleConnections, long maxConnectionLifetimeSeconds, String usernameTemplate,
        String passwordPolicy, String passwordAuthentication, List<String> revocationDatabases,
        String reassignOwnedTo, List<String> rootRotationStatements, String pendingPassword) {

    DbConfig withPasswords(String current, String pending) {
        return new DbConfig(pluginName, connectionUrl, username, current, allowedRoles, maxOpenConnections,
                maxIdleConnections, maxConnectionLifetimeSeconds, usernameTemplate, passwordPolicy,
                passwordAuthentication, revocationDatabases, reassignOwnedTo, rootRotationStatements, pending);
    }

    boolean allows(String role) {
        return allowedRoles.contains("*") || allowedRoles.contains(role);
    }

    boolean scram() {
        return "scram-sha-256".equals(passwordAuthentication);
    }

    @Override
    public String toString() {
        return "DbConfig[" + pluginName + ", user " + username + "]";
    }
}
