package io.custos.engine.sdk;

/** Services the broker offers every engine (Vault's SystemView): password generation by policy. */
public interface SystemView {

    /**
     * A password from the named password policy ({@code sys/policies/password/:name}), or from
     * the default policy (20 characters of letters and digits, at least one of each kind) when
     * the name is empty. An unknown policy is a 400.
     */
    String generatePassword(String policyName);

    /**
     * Whether what an engine keeps in memory from its storage may be trusted now: false while
     * the broker may miss changes other brokers make (its change feed is down) — an engine then
     * reads storage instead. After such a gap {@link Backend#invalidate} drops everything.
     */
    default boolean cachesValid() {
        return true;
    }

    /** The default policy only, for engines run without a broker (tests, tools). */
    SystemView DEFAULTS = policy -> {
        if (policy != null && !policy.isEmpty()) {
            throw EngineException.badRequest("password policy \"" + policy + "\" not found");
        }
        return PasswordGenerator.DEFAULT.generate();
    };
}
