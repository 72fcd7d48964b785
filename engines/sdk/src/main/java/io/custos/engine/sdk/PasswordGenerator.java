package io.custos.engine.sdk;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Vault's password policy: a length and charset rules with a minimum count each. A password is
 * drawn so that every rule is met by construction (the minimums first, the rest from the union of
 * the charsets, then a shuffle) — uniform over the union and never a retry loop.
 */
public final class PasswordGenerator {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String DIGITS = "0123456789";

    /** One {@code rule "charset"} block. */
    public record Rule(String charset, int minChars) {
        public Rule {
            charset = dedupe(charset);
            if (charset.isEmpty()) {
                throw EngineException.badRequest("a charset rule needs a non-empty charset");
            }
            if (minChars < 0) {
                throw EngineException.badRequest("min-chars cannot be negative");
            }
        }
    }

    /** 20 letters and digits with at least one lower-case letter, one upper-case letter and one digit. */
    public static final PasswordGenerator DEFAULT = new PasswordGenerator(20,
            List.of(new Rule(LOWER, 1), new Rule(UPPER, 1), new Rule(DIGITS, 1)));

    private final int length;
    private final List<Rule> rules;
    private final char[] union;

    public PasswordGenerator(int length, List<Rule> rules) {
        if (length < 4 || length > 100) {
            throw EngineException.badRequest("password length must be between 4 and 100, not " + length);
        }
        if (rules.isEmpty()) {
            throw EngineException.badRequest("a password policy needs at least one charset rule");
        }
        int min = rules.stream().mapToInt(Rule::minChars).sum();
        if (min > length) {
            throw EngineException.badRequest("the rules' min-chars add up to " + min + ", more than the length "
                    + length);
        }
        this.length = length;
        this.rules = List.copyOf(rules);
        StringBuilder all = new StringBuilder();
        rules.forEach(r -> all.append(r.charset()));
        this.union = dedupe(all.toString()).toCharArray();
    }

    public int length() {
        return length;
    }

    public List<Rule> rules() {
        return rules;
    }

    public String generate() {
        char[] out = new char[length];
        int at = 0;
        for (Rule r : rules) {
            for (int i = 0; i < r.minChars(); i++) {
                out[at++] = r.charset().charAt(RANDOM.nextInt(r.charset().length()));
            }
        }
        while (at < length) {
            out[at++] = union[RANDOM.nextInt(union.length)];
        }
        for (int i = length - 1; i > 0; i--) {
            int j = RANDOM.nextInt(i + 1);
            char t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return new String(out);
    }

    private static String dedupe(String s) {
        Set<Integer> seen = new LinkedHashSet<>();
        s.codePoints().forEach(seen::add);
        StringBuilder b = new StringBuilder();
        seen.forEach(b::appendCodePoint);
        return b.toString();
    }

    /** The rules as Vault's API shows them. */
    public List<Map<String, Object>> describeRules() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Rule r : rules) {
            out.add(Map.of("charset", r.charset(), "min-chars", r.minChars()));
        }
        return out;
    }
}
