package io.custos.broker.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Vault's policy language, in HCL (hcl4j) or JSON: {@code path "<pattern>" { ... }} blocks with
 * {@code capabilities} (or the legacy {@code policy = "read"}), parameter constraints, wrapping TTL
 * bounds and Custos's lease caps. Every mistake is a 400 naming the path block and the key.
 */
public final class PolicyParser {
    private static final Set<String> BLOCK_KEYS = Set.of("capabilities", "policy", "allowed_parameters",
            "denied_parameters", "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "max_ttl", "default_ttl");

    private PolicyParser() {
    }

    public static Policy parse(String name, String text) {
        if (text == null || text.isBlank()) {
            throw EngineException.badRequest("policy \"" + name + "\" is empty");
        }
        Map<String, Object> doc = document(text, "policy");
        List<PathRule> rules = new ArrayList<>();
        for (Map.Entry<String, Object> top : doc.entrySet()) {
            if (top.getKey().equals("name")) {
                continue;
            }
            if (!top.getKey().equals("path")) {
                throw EngineException.badRequest("policy \"" + name + "\": unknown top-level key \"" + top.getKey()
                        + "\" (only path blocks are allowed)");
            }
            for (Map.Entry<String, Object> block : asMap(top.getValue(), "path").entrySet()) {
                String where = "path \"" + block.getKey() + "\"";
                // a path written twice comes as a list of bodies: each is a rule, merged below as Vault merges them
                List<?> bodies = block.getValue() instanceof List<?> l && !l.isEmpty()
                        && l.stream().allMatch(e -> e instanceof Map) ? l : List.of(asMap(block.getValue(), where));
                for (Object body : bodies) {
                    rules.add(rule(block.getKey(), asMap(body, where)));
                }
            }
        }
        if (rules.isEmpty()) {
            throw EngineException.badRequest("policy \"" + name + "\" has no path blocks");
        }
        return new Policy(name, text, List.copyOf(mergeDuplicates(rules)));
    }

    private static List<PathRule> mergeDuplicates(List<PathRule> rules) {
        Map<String, PathRule> byPattern = new LinkedHashMap<>();
        rules.forEach(r -> byPattern.merge(r.pattern(), r, PathRule::merge));
        return new ArrayList<>(byPattern.values());
    }

    /**
     * A document in Vault's policy syntax (ACL or password policy): JSON when it starts with '{',
     * else HCL. A parse error is a 400 naming {@code what} and the line, never echoing the text.
     */
    static Map<String, Object> document(String text, String what) {
        return text.stripLeading().startsWith("{") ? parseJson(text, what) : parseHcl(text, what);
    }

    private static Map<String, Object> parseJson(String text, String what) {
        HclDocument.split(text, what); // the nesting limit, before Jackson builds the tree
        try {
            return Json.MAPPER.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw EngineException.badRequest("failed to parse " + what + " JSON"
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
    }

    private static Map<String, Object> parseHcl(String text, String what) {
        return HclDocument.parse(text, what);
    }

    private static PathRule rule(String rawPattern, Map<String, Object> block) {
        String pattern = rawPattern.startsWith("/") ? rawPattern.substring(1) : rawPattern;
        String where = "path \"" + rawPattern + "\"";
        validatePattern(pattern, where);
        for (String key : block.keySet()) {
            if (!BLOCK_KEYS.contains(key)) {
                throw EngineException.badRequest(where + ": unknown key \"" + key + "\"");
            }
        }
        int caps = 0;
        if (block.containsKey("capabilities")) {
            for (Object c : asList(block.get("capabilities"), where + " capabilities")) {
                caps |= Capability.parse(String.valueOf(c)).bit();
            }
        }
        if (block.containsKey("policy")) {
            caps |= legacy(String.valueOf(block.get("policy")), where);
        }
        if ((caps & Capability.DENY.bit()) != 0) {
            caps = Capability.DENY.bit();
        }
        Duration minWrap = duration(block, "min_wrapping_ttl", where);
        Duration maxWrap = duration(block, "max_wrapping_ttl", where);
        if (!minWrap.isZero() && !maxWrap.isZero() && minWrap.compareTo(maxWrap) > 0) {
            throw EngineException.badRequest(where + ": min_wrapping_ttl is greater than max_wrapping_ttl");
        }
        Set<String> required = new LinkedHashSet<>();
        if (block.containsKey("required_parameters")) {
            asList(block.get("required_parameters"), where + " required_parameters").forEach(p -> required.add(String.valueOf(p)));
        }
        return new PathRule(pattern, caps, params(block, "allowed_parameters", where),
                params(block, "denied_parameters", where), required, minWrap, maxWrap,
                duration(block, "max_ttl", where), duration(block, "default_ttl", where));
    }

    /** {@code *} only at the end; {@code +} only as a whole segment. */
    private static void validatePattern(String pattern, String where) {
        int star = pattern.indexOf('*');
        if (star >= 0 && star != pattern.length() - 1) {
            throw EngineException.badRequest(where + ": '*' is only allowed at the end of a path");
        }
        for (String segment : pattern.split("/", -1)) {
            if (segment.contains("+") && !segment.equals("+")) {
                throw EngineException.badRequest(where + ": '+' must be a whole path segment");
            }
        }
    }

    private static int legacy(String policy, String where) {
        return switch (policy) {
            case "deny" -> Capability.DENY.bit();
            case "read" -> Capability.READ.bit() | Capability.LIST.bit();
            case "write" -> Capability.CREATE.bit() | Capability.READ.bit() | Capability.UPDATE.bit()
                    | Capability.PATCH.bit() | Capability.DELETE.bit() | Capability.LIST.bit();
            case "sudo" -> Capability.CREATE.bit() | Capability.READ.bit() | Capability.UPDATE.bit()
                    | Capability.PATCH.bit() | Capability.DELETE.bit() | Capability.LIST.bit() | Capability.SUDO.bit();
            default -> throw EngineException.badRequest(where + ": policy must be deny, read, write or sudo");
        };
    }

    private static Duration duration(Map<String, Object> block, String key, String where) {
        Object raw = block.get(key);
        if (raw == null) {
            return Duration.ZERO;
        }
        Duration d = (Duration) FieldType.DURATION.decode(where + " " + key, raw instanceof Number n
                && !(raw instanceof Long) ? n.longValue() : raw);
        if (d.isNegative()) {
            throw EngineException.badRequest(where + ": " + key + " cannot be negative");
        }
        return d;
    }

    private static Map<String, List<Object>> params(Map<String, Object> block, String key, String where) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        if (block.containsKey(key)) {
            asMap(block.get(key), where + " " + key).forEach((k, v) -> out.put(k,
                    v == null ? List.of() : List.copyOf(asList(v, where + " " + key + "." + k))));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        if (o instanceof List<?> list && list.stream().allMatch(e -> e instanceof Map)) {
            Map<String, Object> merged = new LinkedHashMap<>(); // JSON policies may give blocks as a list
            list.forEach(e -> merged.putAll((Map<String, Object>) e));
            return merged;
        }
        throw EngineException.badRequest(what + " must be a block (object)");
    }

    private static Collection<?> asList(Object o, String what) {
        if (o instanceof Collection<?> c) {
            return c;
        }
        throw EngineException.badRequest(what + " must be a list");
    }
}
