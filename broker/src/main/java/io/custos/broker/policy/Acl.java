package io.custos.broker.policy;

import io.custos.engine.sdk.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A token's policies compiled once into matchers, then asked per request: a pure function of
 * (policies, operation, path, parameters). Vault's rules exactly: an exact pattern beats every
 * wildcard; among wildcard patterns the highest priority wins (later first wildcard, no trailing
 * glob, fewer '+' segments, longer, lexicographically greater); the same pattern in several
 * policies is the union of them; deny wins. Lease caps ({@code max_ttl}, {@code default_ttl}) are
 * the smallest of every matching block, whatever its priority, so a cap can never be escaped by a
 * more specific grant.
 */
public final class Acl {
    private final boolean root;
    private final Map<String, PathRule> exact;
    private final List<Wildcard> wildcards;

    private record Wildcard(PathRule rule, Pattern regex) {
    }

    /** What the ACL says about one request. */
    public record Decision(boolean allowed, boolean sudo, String reason, Duration maxTtl, Duration defaultTtl,
            Duration minWrappingTtl, Duration maxWrappingTtl) {
    }

    private Acl(boolean root, Map<String, PathRule> exact, List<Wildcard> wildcards) {
        this.root = root;
        this.exact = exact;
        this.wildcards = wildcards;
    }

    public static Acl compile(Collection<Policy> policies) {
        boolean root = policies.stream().anyMatch(p -> p.name().equals(Policy.ROOT));
        Map<String, PathRule> merged = new LinkedHashMap<>();
        for (Policy p : policies) {
            p.rules().forEach(r -> merged.merge(r.pattern(), r, PathRule::merge));
        }
        Map<String, PathRule> exact = new HashMap<>();
        List<Wildcard> wildcards = new ArrayList<>();
        merged.values().forEach(r -> {
            if (isWildcard(r.pattern())) {
                wildcards.add(new Wildcard(r, toRegex(r.pattern())));
            } else {
                exact.put(r.pattern(), r);
            }
        });
        wildcards.sort(Comparator.comparing((Wildcard w) -> w.rule().pattern(), Acl::comparePriority).reversed());
        return new Acl(root, exact, List.copyOf(wildcards));
    }

    public boolean isRoot() {
        return root;
    }

    /**
     * Whether {@code op} on {@code path} is allowed; {@code needsSudo} for root-protected paths;
     * {@code params} are the parameters the constraints apply to (for KV v2 data writes, the
     * secret's own fields).
     */
    public Decision check(Operation op, String path, Map<String, Object> params, boolean needsSudo) {
        if (root) {
            return new Decision(true, true, "", Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
        PathRule winner = exact.get(path);
        if (winner == null) {
            for (Wildcard w : wildcards) {
                if (w.regex().matcher(path).matches()) {
                    winner = w.rule();
                    break;
                }
            }
        }
        Duration[] caps = leaseCaps(path);
        if (winner == null) {
            return denied("no policy grants access to this path", caps);
        }
        if (winner.has(Capability.DENY)) {
            return denied("a policy denies this path", caps);
        }
        if (!winner.has(Capability.of(op))) {
            return denied("no policy grants " + Capability.of(op).name().toLowerCase(Locale.ROOT)
                    + " on this path", caps);
        }
        boolean sudo = winner.has(Capability.SUDO);
        if (needsSudo && !sudo) {
            return denied("this path is root-protected and needs sudo", caps);
        }
        if (op == Operation.CREATE || op == Operation.UPDATE || op == Operation.PATCH) {
            String problem = ParameterRules.check(winner, params);
            if (problem != null) {
                return denied(problem, caps);
            }
        }
        return new Decision(true, sudo, "", caps[0], caps[1], winner.minWrappingTtl(), winner.maxWrappingTtl());
    }

    /**
     * Whether any rule grants something at or below {@code mountPath} (Vault lets such a token ask
     * sys/internal/ui/mounts which engine serves the mount).
     */
    public boolean hasAnyAccessBelow(String mountPath) {
        if (root) {
            return true;
        }
        for (PathRule r : exact.values()) {
            if (r.pattern().startsWith(mountPath) && !r.has(Capability.DENY) && r.capabilities() != 0) {
                return true;
            }
        }
        for (Wildcard w : wildcards) {
            String p = w.rule().pattern();
            String literal = p.substring(0, Math.min(firstWildcard(p), p.length()));
            if ((literal.startsWith(mountPath) || mountPath.startsWith(literal)) && !w.rule().has(Capability.DENY)
                    && w.rule().capabilities() != 0) {
                return true;
            }
        }
        return false;
    }

    /** Every capability the policies grant on {@code path} (for sys/capabilities). */
    public List<String> capabilities(String path) {
        if (root) {
            return List.of("root");
        }
        PathRule winner = exact.get(path);
        if (winner == null) {
            winner = wildcards.stream().filter(w -> w.regex().matcher(path).matches()).map(Wildcard::rule)
                    .findFirst().orElse(null);
        }
        return winner == null ? List.of("deny") : Capability.names(winner.capabilities());
    }

    private Duration[] leaseCaps(String path) {
        Duration max = Duration.ZERO;
        Duration dflt = Duration.ZERO;
        PathRule e = exact.get(path);
        if (e != null) {
            max = e.maxTtl();
            dflt = e.defaultTtl();
        }
        for (Wildcard w : wildcards) {
            if (w.regex().matcher(path).matches()) {
                max = PathRule.smallerNonZero(max, w.rule().maxTtl());
                dflt = PathRule.smallerNonZero(dflt, w.rule().defaultTtl());
            }
        }
        return new Duration[] {max, dflt};
    }

    private static Decision denied(String reason, Duration[] caps) {
        return new Decision(false, false, reason, caps[0], caps[1], Duration.ZERO, Duration.ZERO);
    }

    static boolean isWildcard(String pattern) {
        return pattern.endsWith("*") || plusCount(pattern) > 0;
    }

    /** '+' is one whole segment; a trailing '*' is any suffix; everything else is literal. */
    static Pattern toRegex(String pattern) {
        boolean glob = pattern.endsWith("*");
        String body = glob ? pattern.substring(0, pattern.length() - 1) : pattern;
        StringBuilder re = new StringBuilder();
        String[] segments = body.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                re.append('/');
            }
            re.append(segments[i].equals("+") ? "[^/]*" : Pattern.quote(segments[i]));
        }
        if (glob) {
            re.append(".*");
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /**
     * Vault's priority order; positive when {@code a} outranks {@code b}: a later first wildcard,
     * then no trailing glob, then fewer '+' segments, then longer, then lexicographically greater.
     */
    static int comparePriority(String a, String b) {
        int wa = firstWildcard(a);
        int wb = firstWildcard(b);
        if (wa != wb) {
            return Integer.compare(wa, wb);
        }
        boolean ga = a.endsWith("*");
        boolean gb = b.endsWith("*");
        if (ga != gb) {
            return ga ? -1 : 1;
        }
        int pa = plusCount(a);
        int pb = plusCount(b);
        if (pa != pb) {
            return Integer.compare(pb, pa);
        }
        if (a.length() != b.length()) {
            return Integer.compare(a.length(), b.length());
        }
        return a.compareTo(b);
    }

    /** Where the first '+' or '*' is ('+' only ever fills a whole segment, '*' only ends a pattern). */
    private static int firstWildcard(String p) {
        int plus = p.indexOf('+');
        int star = p.indexOf('*');
        if (plus < 0 || star < 0) {
            return Math.max(plus, star) < 0 ? Integer.MAX_VALUE : Math.max(plus, star);
        }
        return Math.min(plus, star);
    }

    private static int plusCount(String p) {
        int n = 0;
        for (String s : p.split("/", -1)) {
            if (s.equals("+")) {
                n++;
            }
        }
        return n;
    }
}
