package io.custos.broker.sys;

import io.custos.engine.sdk.PathSpec;
import java.util.List;

/**
 * One family of {@code sys/} paths (seal, policies, audit, keyring, mounts, tools), a bean the
 * system backend collects: a new family is a new class, not an edit to the backend.
 */
interface SystemPathFamily {

    /** The family's declarations; families do not overlap, so their order does not matter. */
    List<PathSpec> paths();
}
