package io.custos.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading values out of a decoded config document, Vault Agent's way: blocks in any of the shapes
 * HCL and JSON give them, strings, Go booleans, numbers, file modes, lists, and Go durations; a
 * wrong type is a {@link ConfigException} naming the setting.
 */
final class ConfigValues {
    private ConfigValues() {
    }


    /** A block: its label (HCL {@code method "approle"} or JSON {@code "type": "approle"}) and body. */
    record Block(String label, Map<String, Object> body) {
    }

    /**
     * Every block of a key, whatever shape it was written in: {@code {label: body}} (HCL labels),
     * {@code {type: label, ...}}, a list of either, or a plain body.
     */
    @SuppressWarnings("unchecked")
    static List<Block> blocks(Object raw, String labelKey) {
        List<Block> out = new ArrayList<>();
        for (Object item : asList(raw)) {
            if (!(item instanceof Map<?, ?> m)) {
                throw new ConfigException("expected a block, found " + item);
            }
            Map<String, Object> body = (Map<String, Object>) m;
            if (labelKey != null && body.get(labelKey) instanceof String label) {
                Map<String, Object> rest = new LinkedHashMap<>(body);
                rest.remove(labelKey);
                out.add(new Block(label, rest));
            } else if (labelKey != null && body.size() == 1 && body.values().iterator().next() instanceof Map
                    && !isSetting(body.keySet().iterator().next())) {
                String label = body.keySet().iterator().next();
                for (Object inner : asList(body.get(label))) {
                    out.add(new Block(label, (Map<String, Object>) inner));
                }
            } else {
                out.add(new Block(null, body));
            }
        }
        return out;
    }

    /** Keys that are settings, never labels (so {@code {"config": {...}}} is not mistaken for a label). */
    static boolean isSetting(String key) {
        return key.equals("config") || key.equals("exec") || key.equals("wait");
    }

    static List<Object> asList(Object raw) {
        if (raw == null) {
            return List.of();
        }
        if (raw instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(out::add);
            return out;
        }
        return List.of(raw);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object raw, String what) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof List<?> l && l.size() == 1) {
            raw = l.get(0);
        }
        if (!(raw instanceof Map)) {
            throw new ConfigException(what + " must be a block");
        }
        return (Map<String, Object>) raw;
    }

    static String firstEnv(Map<String, String> env, String custos, String vault, String fallback) {
        String v = env.get(custos);
        if (v == null || v.isEmpty()) {
            v = env.get(vault);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    static String str(Object o, String fallback) {
        return o == null ? fallback : String.valueOf(o);
    }

    static String stripSlash(String s) {
        String t = s.startsWith("/") ? s.substring(1) : s;
        return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    }

    static boolean bool(Object o, boolean fallback) {
        if (o == null) {
            return fallback;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(o).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "1", "t", "yes" -> true;
            case "false", "0", "f", "no", "" -> false;
            default -> throw new ConfigException("\"" + o + "\" is not a boolean");
        };
    }

    static Object numeric(Object o, String what) {
        if (o instanceof Number n) {
            return n;
        }
        try {
            return Double.parseDouble(String.valueOf(o).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(what + ": \"" + o + "\" is not a number");
        }
    }

    static long num(Object o, long fallback) {
        return o == null ? fallback : ((Number) numeric(o, "value")).longValue();
    }

    /** File modes as Vault writes them: "0600", 0600 (an HCL number whose digits are octal), 384. */
    static int perms(Object o, int fallback) {
        if (o == null) {
            return fallback;
        }
        String s = o instanceof Number n ? Long.toString(n.longValue()) : String.valueOf(o).trim();
        if (o instanceof Number n && !s.matches("[0-7]+")) {
            return n.intValue(); // digits beyond 7: a decimal mode such as 384
        }
        try {
            int v = Integer.parseInt(s, 8);
            if (v < 0 || v > 07777) {
                throw new ConfigException("file mode " + s + " is out of range");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException("\"" + s + "\" is not a file mode");
        }
    }

    static List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        asList(o).forEach(x -> out.add(String.valueOf(x)));
        return out;
    }

    static Duration duration(Object o, Duration fallback) {
        if (o == null) {
            return fallback;
        }
        if (o instanceof Number n) {
            return Duration.ofMillis((long) (n.doubleValue() * 1000));
        }
        return GoDurations.parse(String.valueOf(o).trim(), s -> new ConfigException("\"" + s + "\" is not a duration"));
    }

    /** Go's time.ParseDuration, for the agent (which does not link the engines' SDK). */
    static final class GoDurations {
        private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

        static Duration parse(String s, Function<String, ConfigException> error) {
            if (s.matches("\\d+")) {
                return Duration.ofSeconds(Long.parseLong(s));
            }
            String t = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
            if (t.equals("0")) {
                return Duration.ZERO;
            }
            Matcher m = PART.matcher(t);
            int at = 0;
            double nanos = 0;
            while (m.find()) {
                if (m.start() != at) {
                    throw error.apply(s);
                }
                double v = Double.parseDouble(m.group(1));
                nanos += v * switch (m.group(2)) {
                    case "ns" -> 1;
                    case "us", "µs" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    default -> 3600e9;
                };
                at = m.end();
            }
            if (at != t.length() || t.isEmpty()) {
                throw error.apply(s);
            }
            Duration d = Duration.ofNanos((long) nanos);
            return s.startsWith("-") ? d.negated() : d;
        }
    }
}
