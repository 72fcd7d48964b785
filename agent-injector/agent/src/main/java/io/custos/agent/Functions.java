package io.custos.agent;

import io.custos.gotemplate.GoTime;
import io.custos.gotemplate.TemplateFunction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * consul-template's functions as Vault Agent offers them: {@code secret}, {@code secrets} and
 * {@code pkiCert} (through a {@link SecretSource}), and the helpers — encodings, JSON and YAML,
 * strings, regular expressions, collections, {@code env}, {@code file}, {@code timestamp},
 * arithmetic — with consul-template's argument orders (made for pipelines).
 */
final class Functions {

    /** Where {@code secret}, {@code secrets} and {@code pkiCert} get their data. */
    interface SecretSource {
        /** A read (no data) or a write (data: {@code k=v} arguments) as consul-template's Secret. */
        Map<String, Object> secret(String path, Map<String, Object> data) throws Exception;

        List<String> list(String path) throws Exception;

        /** A certificate for {@code destination}: the one there if still fresh, else a new one. */
        Map<String, Object> pkiCert(String path, Map<String, Object> data) throws Exception;
    }

    private Functions() {
    }

    static Map<String, TemplateFunction> secretFunctions(SecretSource source) {
        Map<String, TemplateFunction> f = new LinkedHashMap<>();
        f.put("secret", a -> {
            atLeast("secret", a, 1);
            return source.secret(str(a.get(0)), keyValues(a.subList(1, a.size())));
        });
        f.put("secrets", a -> {
            exactly("secrets", a, 1);
            return source.list(str(a.get(0)));
        });
        f.put("pkiCert", a -> {
            atLeast("pkiCert", a, 1);
            return source.pkiCert(str(a.get(0)), keyValues(a.subList(1, a.size())));
        });
        return f;
    }

    /** {@code "k=v"} arguments as consul-template turns them into a write's data. */
    static Map<String, Object> keyValues(List<Object> args) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (Object o : args) {
            String s = str(o);
            int eq = s.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("invalid key=value pair \"" + s + "\"");
            }
            data.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return data;
    }

    /** consul-template's helper functions (the secret-reading ones are {@link #secretFunctions}). */
    static Map<String, TemplateFunction> helpers(Clock clock, Map<String, String> env) {
        Map<String, TemplateFunction> f = new LinkedHashMap<>();
        encodingFunctions(f);
        environmentFunctions(f, clock, env);
        stringFunctions(f);
        numberFunctions(f);
        return f;
    }

    /** Base64, JSON, YAML and hashing. */
    private static void encodingFunctions(Map<String, TemplateFunction> f) {
        f.put("base64Encode", a -> Base64.getEncoder().encodeToString(bytes(one("base64Encode", a))));
        f.put("base64Decode", a -> new String(Base64.getDecoder().decode(one("base64Decode", a)), StandardCharsets.UTF_8));
        f.put("base64URLEncode", a -> Base64.getUrlEncoder().encodeToString(bytes(one("base64URLEncode", a))));
        f.put("base64URLDecode", a -> new String(Base64.getUrlDecoder().decode(one("base64URLDecode", a)),
                StandardCharsets.UTF_8));
        f.put("toJSON", a -> GoJson.json(single("toJSON", a), true, ""));
        f.put("toJSONPretty", a -> GoJson.json(single("toJSONPretty", a), true, "  "));
        f.put("toUnescapedJSON", a -> GoJson.json(single("toUnescapedJSON", a), false, ""));
        f.put("toUnescapedJSONPretty", a -> GoJson.json(single("toUnescapedJSONPretty", a), false, "  "));
        f.put("toYAML", a -> GoJson.yaml(single("toYAML", a)));
        f.put("parseJSON", a -> parseJson(one("parseJSON", a)));
        f.put("sha256Hex", a -> HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(bytes(one("sha256Hex", a)))));
    }

    /** The agent's environment, files and clock. */
    private static void environmentFunctions(Map<String, TemplateFunction> f, Clock clock, Map<String, String> env) {
        f.put("env", a -> env.getOrDefault(one("env", a), ""));
        f.put("envOrDefault", a -> {
            exactly("envOrDefault", a, 2);
            String v = env.get(str(a.get(0)));
            return v == null || v.isEmpty() ? str(a.get(1)) : v;
        });
        f.put("file", a -> Files.readString(Path.of(one("file", a)), StandardCharsets.UTF_8));
        f.put("timestamp", a -> {
            if (a.isEmpty()) {
                return GoTime.format(clock.instant().atZone(ZoneOffset.UTC), GoTime.RFC3339);
            }
            String layout = str(a.get(0));
            if (layout.equals("unix")) {
                return Long.toString(clock.instant().getEpochSecond());
            }
            return GoTime.format(clock.instant().atZone(ZoneOffset.UTC), layout);
        });
    }

    /** Splitting, joining, case, replacing, matching and indenting. */
    private static void stringFunctions(Map<String, TemplateFunction> f) {
        f.put("split", a -> {
            exactly("split", a, 2);
            String s = str(a.get(1));
            if (s.isEmpty()) {
                return new ArrayList<>();
            }
            return new ArrayList<Object>(List.of(s.split(Pattern.quote(str(a.get(0))), -1)));
        });
        f.put("join", a -> {
            exactly("join", a, 2);
            List<String> parts = new ArrayList<>();
            for (Object o : collection(a.get(1), "join")) {
                parts.add(String.valueOf(o));
            }
            return String.join(str(a.get(0)), parts);
        });
        f.put("trimSpace", a -> one("trimSpace", a).strip());
        f.put("toLower", a -> one("toLower", a).toLowerCase(Locale.ROOT));
        f.put("toUpper", a -> one("toUpper", a).toUpperCase(Locale.ROOT));
        f.put("replaceAll", a -> {
            exactly("replaceAll", a, 3);
            return str(a.get(2)).replace(str(a.get(0)), str(a.get(1)));
        });
        f.put("regexReplaceAll", a -> {
            exactly("regexReplaceAll", a, 3);
            return Pattern.compile(str(a.get(0))).matcher(str(a.get(2))).replaceAll(goReplacement(str(a.get(1))));
        });
        f.put("regexMatch", a -> {
            exactly("regexMatch", a, 2);
            return Pattern.compile(str(a.get(0))).matcher(str(a.get(1))).find();
        });
        f.put("contains", a -> {
            exactly("contains", a, 2);
            return in(a.get(1), a.get(0));
        });
        f.put("in", a -> {
            exactly("in", a, 2);
            return in(a.get(0), a.get(1));
        });
        f.put("indent", a -> {
            exactly("indent", a, 2);
            long n = number(a.get(0));
            if (n < 0) {
                throw new IllegalArgumentException("indent value must be a positive integer");
            }
            String pad = " ".repeat((int) n);
            return pad + str(a.get(1)).replace("\n", "\n" + pad);
        });
    }

    /** Ranges and arithmetic. */
    private static void numberFunctions(Map<String, TemplateFunction> f) {
        f.put("loop", a -> {
            long start = 0;
            long stop;
            if (a.size() == 1) {
                stop = number(a.get(0));
            } else if (a.size() == 2) {
                start = number(a.get(0));
                stop = number(a.get(1));
            } else {
                throw new IllegalArgumentException("loop takes one or two arguments");
            }
            if (stop - start > 100_000) {
                throw new IllegalArgumentException("loop of more than 100000 items");
            }
            List<Object> out = new ArrayList<>();
            for (long i = start; i < stop; i++) {
                out.add(i);
            }
            return out;
        });
        f.put("add", a -> arithmetic("add", a, '+'));
        f.put("subtract", a -> arithmetic("subtract", a, '-'));
        f.put("multiply", a -> arithmetic("multiply", a, '*'));
        f.put("divide", a -> arithmetic("divide", a, '/'));
    }

    /** consul-template's (b, a) order: {@code {{ 10 | subtract 3 }}} is 10 - 3. */
    private static Object arithmetic(String name, List<Object> a, char op) {
        exactly(name, a, 2);
        Object b = numeric(a.get(0));
        Object x = numeric(a.get(1));
        if (b instanceof Long lb && x instanceof Long lx) {
            return switch (op) {
                case '+' -> lx + lb;
                case '-' -> lx - lb;
                case '*' -> lx * lb;
                default -> {
                    if (lb == 0) {
                        throw new IllegalArgumentException("divide: division by 0");
                    }
                    yield lx / lb;
                }
            };
        }
        double db = ((Number) b).doubleValue();
        double dx = ((Number) x).doubleValue();
        return switch (op) {
            case '+' -> dx + db;
            case '-' -> dx - db;
            case '*' -> dx * db;
            default -> dx / db;
        };
    }

    private static Object numeric(Object o) {
        if (o instanceof Long || o instanceof Integer) {
            return ((Number) o).longValue();
        }
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        String s = String.valueOf(o).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                throw new IllegalArgumentException("\"" + s + "\" is not a number");
            }
        }
    }

    private static long number(Object o) {
        Object n = numeric(o);
        return ((Number) n).longValue();
    }

    /** Whether {@code needle} is in {@code haystack}: an element of a list, a key of a map, a substring. */
    private static boolean in(Object haystack, Object needle) {
        if (haystack instanceof Collection<?> c) {
            for (Object o : c) {
                if (String.valueOf(o).equals(String.valueOf(needle))) {
                    return true;
                }
            }
            return false;
        }
        if (haystack instanceof Map<?, ?> m) {
            return m.containsKey(String.valueOf(needle));
        }
        if (haystack instanceof CharSequence s) {
            return s.toString().contains(String.valueOf(needle));
        }
        throw new IllegalArgumentException("in: unsupported type " + (haystack == null ? "nil" : haystack.getClass()
                .getSimpleName()));
    }

    /** Go's regexp replacement ($1, ${name}) in Java's syntax. */
    private static String goReplacement(String repl) {
        return repl.replace("\\", "\\\\").replaceAll("\\$\\{(\\w+)\\}", "\\${$1}");
    }

    private static Object parseJson(String s) throws Exception {
        return normalise(Json.read(s));
    }

    /** JSON numbers as Go's json.Unmarshal gives them to templates: float64. */
    private static Object normalise(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalise(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(normalise(x)));
            return out;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return v;
    }

    private static Collection<?> collection(Object o, String fn) {
        if (o instanceof Collection<?> c) {
            return c;
        }
        throw new IllegalArgumentException(fn + ": expected a list, got " + (o == null ? "nil" : o));
    }

    private static String one(String fn, List<Object> a) {
        exactly(fn, a, 1);
        return str(a.get(0));
    }

    private static Object single(String fn, List<Object> a) {
        exactly(fn, a, 1);
        return a.get(0);
    }

    private static void exactly(String fn, List<Object> a, int n) {
        if (a.size() != n) {
            throw new IllegalArgumentException("wrong number of args for " + fn + ": want " + n + " got " + a.size());
        }
    }

    private static void atLeast(String fn, List<Object> a, int n) {
        if (a.size() < n) {
            throw new IllegalArgumentException("wrong number of args for " + fn + ": want at least " + n + " got "
                    + a.size());
        }
    }

    static String str(Object o) {
        if (o == null) {
            return "";
        }
        return o.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
