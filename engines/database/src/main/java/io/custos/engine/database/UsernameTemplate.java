package io.custos.engine.database;

import io.custos.engine.sdk.EngineException;
import io.custos.gotemplate.GoTime;
import io.custos.gotemplate.Template;
import io.custos.gotemplate.TemplateException;
import io.custos.gotemplate.TemplateFunction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Vault's {@code username_template}: a Go template (the project's one implementation,
 * {@code custos-gotemplate}) with Vault's function set — {@code truncate}, {@code truncate_sha256},
 * {@code lowercase}, {@code uppercase}, {@code replace}, {@code sha256}, {@code base64},
 * {@code random}, {@code unix_time}, {@code unix_time_millis}, {@code timestamp}, {@code uuid} and
 * Go's built-ins — over {@code .DisplayName} and {@code .RoleName}, with {@code missingkey=error}
 * as Vault. The template is parsed and tried when the config is written, so a mistake is a 400
 * then, not at issuance.
 */
final class UsernameTemplate {
    /** Vault's PostgreSQL default. */
    static final String DEFAULT = "{{ printf \"v-%s-%s-%s-%s\" (.DisplayName | truncate 8) (.RoleName | truncate 8)"
            + " (random 20) (unix_time) | truncate 63 }}";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
    /** A username is at most a few hundred bytes; a template writing more is a mistake. */
    private static final long MAX_OUTPUT = 4096;

    private final Template template;

    private UsernameTemplate(Template template) {
        this.template = template;
    }

    static UsernameTemplate parse(String text, Clock clock) {
        String t = text == null || text.isBlank() ? DEFAULT : text;
        try {
            Template parsed = Template.parse("template", t, Template.Options.DEFAULTS.withFunctions(functions(clock))
                    .withMissingKey(Template.MissingKey.ERROR).withMaxOutputBytes(MAX_OUTPUT));
            UsernameTemplate u = new UsernameTemplate(parsed);
            u.render("displayname", "role"); // bad fields and arguments fail here, not at issuance
            return u;
        } catch (TemplateException e) {
            throw invalid(e.getMessage());
        }
    }

    String render(String displayName, String roleName) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("DisplayName", displayName == null ? "" : displayName);
        data.put("RoleName", roleName == null ? "" : roleName);
        try {
            return template.execute(data);
        } catch (TemplateException e) {
            throw invalid(e.getMessage());
        }
    }

    /** Vault's username template functions (sdk/helper/template): text, hashing, then time and randomness. */
    private static Map<String, TemplateFunction> functions(Clock clock) {
        Map<String, TemplateFunction> f = new LinkedHashMap<>();
        textFunctions(f);
        timeAndRandomFunctions(f, clock);
        return f;
    }

    private static void textFunctions(Map<String, TemplateFunction> f) {
        f.put("truncate", a -> {
            need("truncate", a, 2);
            int n = num(a.get(0));
            if (n <= 0) {
                throw new IllegalArgumentException("max length must be > 0");
            }
            String s = str(a.get(1));
            return s.length() <= n ? s : s.substring(0, n);
        });
        f.put("truncate_sha256", a -> {
            need("truncate_sha256", a, 2);
            int n = num(a.get(0));
            if (n <= 8) {
                throw new IllegalArgumentException("max length must be > 8");
            }
            String s = str(a.get(1));
            if (s.length() <= n) {
                return s;
            }
            return s.substring(0, n - 8) + sha256(s.substring(n - 8)).substring(0, 8);
        });
        f.put("lowercase", a -> {
            need("lowercase", a, 1);
            return str(a.get(0)).toLowerCase(Locale.ROOT);
        });
        f.put("uppercase", a -> {
            need("uppercase", a, 1);
            return str(a.get(0)).toUpperCase(Locale.ROOT);
        });
        f.put("replace", a -> {
            need("replace", a, 3);
            return str(a.get(2)).replace(str(a.get(0)), str(a.get(1)));
        });
        f.put("sha256", a -> {
            need("sha256", a, 1);
            return sha256(str(a.get(0)));
        });
        f.put("base64", a -> {
            need("base64", a, 1);
            return Base64.getEncoder().encodeToString(str(a.get(0)).getBytes(StandardCharsets.UTF_8));
        });
    }

    private static void timeAndRandomFunctions(Map<String, TemplateFunction> f, Clock clock) {
        f.put("random", a -> {
            need("random", a, 1);
            int n = num(a.get(0));
            if (n <= 0 || n > 1024) {
                throw new IllegalArgumentException("length must be between 1 and 1024");
            }
            char[] out = new char[n];
            for (int i = 0; i < n; i++) {
                out[i] = ALNUM[RANDOM.nextInt(ALNUM.length)];
            }
            return new String(out);
        });
        f.put("unix_time", a -> {
            need("unix_time", a, 0);
            return Long.toString(clock.instant().getEpochSecond()); // a string in Vault too
        });
        f.put("unix_time_millis", a -> {
            need("unix_time_millis", a, 0);
            return Long.toString(clock.millis());
        });
        f.put("timestamp", a -> {
            need("timestamp", a, 1);
            return GoTime.format(clock.instant().atZone(ZoneOffset.UTC), str(a.get(0)));
        });
        f.put("uuid", a -> {
            need("uuid", a, 0);
            return UUID.randomUUID().toString();
        });
    }

    private static void need(String fn, List<Object> a, int n) {
        if (a.size() != n) {
            throw new IllegalArgumentException("wrong number of args for " + fn + ": want " + n + " got " + a.size());
        }
    }

    private static String str(Object o) {
        if (!(o instanceof String s)) {
            throw new IllegalArgumentException("expected a string, got " + (o == null ? "nil" : o));
        }
        return s;
    }

    private static int num(Object o) {
        if (o instanceof Number n) {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue()));
        }
        throw new IllegalArgumentException("expected a number, got \"" + o + "\"");
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EngineException invalid(String why) {
        return EngineException.badRequest("unable to initialize username template: " + why);
    }
}
