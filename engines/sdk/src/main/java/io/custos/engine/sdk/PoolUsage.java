package io.custos.engine.sdk;

/**
 * One connection pool a backend keeps open to a system outside the broker (a database engine's
 * connection to the PostgreSQL it issues users on), as {@code sys/metrics} reports it: connections
 * in use, idle, callers waiting for one, and the pool's size limit. {@code name} is the backend's
 * name for the pool (the database engine's connection name).
 */
public record PoolUsage(String name, int active, int idle, int pending, int max) {
}
