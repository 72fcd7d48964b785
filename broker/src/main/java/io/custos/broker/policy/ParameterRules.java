package io.custos.broker.policy;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * {@code required_parameters}, {@code allowed_parameters} and {@code denied_parameters}, checked as
 * Vault checks them: a denied name (or {@code *}) refuses the request when a listed value (or any
 * value, for an empty list) is sent; with allowed parameters, every sent name must be listed (or
 * {@code *} present) and its value among the listed ones; list values may use a leading or
 * trailing {@code *} glob.
 */
final class ParameterRules {
    private ParameterRules() {
    }

    /** Null when the parameters satisfy the rule, else why not (naming the parameter, never its value). */
    static String check(PathRule rule, Map<String, Object> params) {
        Map<String, List<Object>> denied = rule.denied();
        if (!denied.isEmpty()) {
            if (denied.containsKey("*") && !params.isEmpty()) {
                return "every parameter is denied on this path";
            }
            for (Map.Entry<String, Object> p : params.entrySet()) {
                List<Object> values = denied.get(p.getKey());
                if (values != null && matchesAny(p.getValue(), values)) {
                    return "parameter \"" + p.getKey() + "\" is denied on this path";
                }
            }
        }
        Map<String, List<Object>> allowed = rule.allowed();
        if (!allowed.isEmpty()) {
            boolean anyName = allowed.containsKey("*");
            for (Map.Entry<String, Object> p : params.entrySet()) {
                List<Object> values = allowed.get(p.getKey());
                if (values == null) {
                    if (!anyName) {
                        return "parameter \"" + p.getKey() + "\" is not allowed on this path";
                    }
                } else if (!values.isEmpty() && !matchesAny(p.getValue(), values)) {
                    return "this value of parameter \"" + p.getKey() + "\" is not allowed on this path";
                }
            }
        }
        for (String r : rule.required()) {
            if (!params.containsKey(r)) {
                return "parameter \"" + r + "\" is required on this path";
            }
        }
        return null;
    }

    /** An empty list matches any value; a list value matches if every element matches. */
    private static boolean matchesAny(Object value, List<Object> allowedValues) {
        if (allowedValues.isEmpty()) {
            return true;
        }
        if (value instanceof Collection<?> many) {
            return !many.isEmpty() && many.stream().allMatch(v -> matchesAny(v, allowedValues));
        }
        String s = text(value);
        for (Object candidate : allowedValues) {
            if (glob(text(candidate), s)) {
                return true;
            }
        }
        return false;
    }

    private static String text(Object v) {
        if (v instanceof BigDecimal d) {
            return d.stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }

    private static boolean glob(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        boolean prefix = pattern.endsWith("*");
        boolean suffix = pattern.startsWith("*");
        String core = pattern.substring(suffix ? 1 : 0, pattern.length() - (prefix ? 1 : 0));
        if (prefix && suffix) {
            return value.contains(core);
        }
        if (prefix) {
            return value.startsWith(core);
        }
        if (suffix) {
            return value.endsWith(core);
        }
        return value.equals(pattern);
    }
}
