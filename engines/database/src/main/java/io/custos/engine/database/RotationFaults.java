package io.custos.engine.database;

/**
 * Fault injection for the root-rotation tests: a hook run between the ALTER and the commit. It
 * is a no-op unless a test installs one; production code never sets it.
 */
final class RotationFaults {
    static volatile Runnable afterAlter = () -> { };

    private RotationFaults() {
    }

    static void afterAlter() {
        afterAlter.run();
    }
}
