package io.custos.engine.database;

import java.util.List;

/** A stored {@code roles/:name}: dynamic users per lease. TTLs in seconds, 0 = the mount's. */
record DbRole(String dbName, List<String> creationStatements, List<String> revocationStatements,
        List<String> renewStatements, List<String> rollbackStatements, long defaultTtl, long maxTtl) {
}
