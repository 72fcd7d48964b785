package io.custos.broker.policy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code path} block: the pattern, its capabilities, parameter constraints, response-wrapping
 * bounds, and Custos's lease-policy caps ({@code max_ttl}, {@code default_ttl}; zero = none).
 * {@code allowed}/{@code denied} map a parameter name to the values allowed or denied; an empty
 * list means any value, and the name {@code *} means any parameter.
 */
public record PathRule(String pattern, int capabilities, Map<String, List<Object>> allowed,
        Map<String, List<Object>> denied, Set<String> required, Duration minWrappingTtl, Duration maxWrappingTtl,
        Duration maxTtl, Duration defaultTtl) {

    public boolean has(Capability c) {
        return (capabilities & c.bit()) != 0;
    }

    /**
     * Two blocks with the same pattern in different policies, combined as Vault combines them:
     * capabilities unioned (deny then trumps everything), parameter lists unioned (an empty list,
     * "any value", wins), the lesser minimum and the greater maximum wrapping TTL; lease caps take
     * the smaller non-zero value, so adding a policy never loosens a cap.
     */
    PathRule merge(PathRule o) {
        int caps = capabilities | o.capabilities;
        if ((caps & Capability.DENY.bit()) != 0) {
            caps = Capability.DENY.bit();
        }
        Set<String> req = new LinkedHashSet<>(required);
        req.addAll(o.required);
        return new PathRule(pattern, caps, mergeParams(allowed, o.allowed), mergeParams(denied, o.denied), req,
                smallerNonZero(minWrappingTtl, o.minWrappingTtl), larger(maxWrappingTtl, o.maxWrappingTtl),
                smallerNonZero(maxTtl, o.maxTtl), smallerNonZero(defaultTtl, o.defaultTtl));
    }

    private static Map<String, List<Object>> mergeParams(Map<String, List<Object>> a, Map<String, List<Object>> b) {
        Map<String, List<Object>> out = new LinkedHashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, (x, y) -> {
            if (x.isEmpty() || y.isEmpty()) {
                return List.of();
            }
            Set<Object> union = new LinkedHashSet<>(x);
            union.addAll(y);
            return List.copyOf(union);
        }));
        return out;
    }

    static Duration smallerNonZero(Duration a, Duration b) {
        if (a.isZero()) {
            return b;
        }
        if (b.isZero()) {
            return a;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration larger(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
