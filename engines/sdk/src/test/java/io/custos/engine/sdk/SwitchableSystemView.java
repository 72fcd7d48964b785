package io.custos.engine.sdk;

/**
 * The broker's services for engine tests: default password generation, and whether caches may be
 * trusted, switched by the test (as the broker's change feed connects and drops).
 */
public final class SwitchableSystemView implements SystemView {
    private volatile boolean cachesValid = true;

    @Override
    public String generatePassword(String policyName) {
        return SystemView.DEFAULTS.generatePassword(policyName);
    }

    @Override
    public boolean cachesValid() {
        return cachesValid;
    }

    /** As the broker's change feed is lost ({@code false}) or listening again ({@code true}). */
    public void cachesValid(boolean valid) {
        this.cachesValid = valid;
    }
}
