package io.custos.broker.policy;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.storage.CacheValidity;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.PasswordGenerator;
import io.custos.engine.sdk.SystemView;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Vault's password policies ({@code sys/policies/password/:name}), stored behind the barrier as
 * their HCL/JSON text: {@code length} and {@code rule "charset" { charset, min-chars }} blocks.
 * Also the {@link SystemView} engines use to generate passwords by policy name (and to ask whether
 * their caches may be trusted).
 */
@Singleton
public class PasswordPolicies implements SystemView {
    static final String PREFIX = "core/password-policy/";

    private final BarrierStorage storage;
    private final CacheValidity validity;

    public PasswordPolicies(BarrierStorage storage, CacheValidity validity) {
        this.storage = storage;
        this.validity = validity;
    }

    /** Engines may keep what they decoded from storage only while this broker hears other brokers' changes. */
    @Override
    public boolean cachesValid() {
        return validity.isValid();
    }

    /** Parses (a 400 names what is wrong) and stores a policy. */
    public void put(String name, String text) {
        requireName(name);
        parse(text);
        storage.put(PREFIX + name, text.getBytes(StandardCharsets.UTF_8));
    }

    public Optional<String> get(String name) {
        requireName(name);
        return storage.get(PREFIX + name).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public void delete(String name) {
        requireName(name);
        storage.delete(PREFIX + name);
    }

    public List<String> list() {
        return storage.list(PREFIX);
    }

    @Override
    public String generatePassword(String policyName) {
        if (policyName == null || policyName.isEmpty()) {
            return PasswordGenerator.DEFAULT.generate();
        }
        String text = get(policyName).orElseThrow(() -> EngineException.badRequest(
                "password policy \"" + policyName + "\" not found"));
        return parse(text).generate();
    }

    /** A policy document as a generator. */
    public static PasswordGenerator parse(String text) {
        Map<String, Object> doc = PolicyParser.document(text == null ? "" : text, "password policy");
        Object length = doc.get("length");
        if (!(length instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue())) {
            throw EngineException.badRequest("password policy: length must be a whole number");
        }
        List<PasswordGenerator.Rule> rules = new ArrayList<>();
        Object rule = doc.get("rule");
        if (rule instanceof Map<?, ?> byType) {
            byType.forEach((type, body) -> {
                if (!"charset".equals(type)) {
                    throw EngineException.badRequest("password policy: unknown rule type \"" + type + "\"");
                }
                for (Object block : body instanceof List<?> l ? l : List.of(body)) {
                    rules.add(charset(block));
                }
            });
        } else if (rule != null) {
            throw EngineException.badRequest("password policy: rule must be a block such as rule \"charset\" { ... }");
        }
        for (Object key : doc.keySet()) {
            if (!key.equals("length") && !key.equals("rule")) {
                throw EngineException.badRequest("password policy: unknown field \"" + key + "\"");
            }
        }
        return new PasswordGenerator(n(length), rules);
    }

    private static PasswordGenerator.Rule charset(Object block) {
        if (!(block instanceof Map<?, ?> m) || !(m.get("charset") instanceof String cs)) {
            throw EngineException.badRequest("password policy: a charset rule needs charset = \"...\"");
        }
        Object min = m.get("min-chars");
        if (min != null && !(min instanceof Number)) {
            throw EngineException.badRequest("password policy: min-chars must be a number");
        }
        return new PasswordGenerator.Rule(cs, min == null ? 0 : n(min));
    }

    private static int n(Object o) {
        return ((Number) o).intValue();
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty() || name.contains("/")) {
            throw EngineException.badRequest("a password policy name is required (no '/')");
        }
    }
}
