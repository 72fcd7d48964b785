package io.custos.broker.policy;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.engine.sdk.EngineException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * ACL policies behind the barrier ({@code core/policy/acl/<name>}, the text as written), the
 * built-in {@code root} (not stored, not editable) and {@code default} (created at unseal if
 * missing, editable, not deletable), and compiled ACLs cached per set of policy names — dropped
 * whenever any policy changes, so a request costs a map lookup, not a parse.
 */
@Singleton
public class PolicyStore implements SealListener {
    static final String PREFIX = "core/policy/acl/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    private static final Policy ROOT = new Policy(Policy.ROOT, "", List.of());
    private static final Policy RESPONSE_WRAPPING = PolicyParser.parse(Policy.RESPONSE_WRAPPING,
            Policy.RESPONSE_WRAPPING_TEXT);

    private final BarrierStorage storage;
    private final Map<String, Policy> parsed = new ConcurrentHashMap<>();
    private final Map<Set<String>, Acl> acls = new ConcurrentHashMap<>();

    public PolicyStore(BarrierStorage storage) {
        this.storage = storage;
    }

    @Override
    public int sealOrder() {
        return 20;
    }

    @Override
    public void onUnseal() {
        if (storage.get(PREFIX + Policy.DEFAULT).isEmpty()) {
            storage.put(PREFIX + Policy.DEFAULT, Policy.DEFAULT_TEXT.getBytes(StandardCharsets.UTF_8));
        }
        invalidate();
    }

    @Override
    public void onSeal() {
        invalidate();
    }

    public List<String> list() {
        TreeSet<String> names = new TreeSet<>();
        for (String k : storage.list(PREFIX)) {
            if (!k.endsWith("/")) {
                names.add(k);
            }
        }
        names.add(Policy.ROOT);
        return new ArrayList<>(names);
    }

    public Optional<Policy> get(String name) {
        if (name.equals(Policy.ROOT)) {
            return Optional.of(ROOT);
        }
        if (name.equals(Policy.RESPONSE_WRAPPING)) {
            return Optional.of(RESPONSE_WRAPPING);
        }
        Policy cached = parsed.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Policy> p = storage.get(PREFIX + name)
                .map(b -> PolicyParser.parse(name, new String(b, StandardCharsets.UTF_8)));
        p.ifPresent(policy -> parsed.put(name, policy));
        return p;
    }

    /** Parses (a 400 if invalid) and stores a policy. */
    public Policy put(String name, String text) {
        String n = validName(name);
        if (n.equals(Policy.ROOT) || n.equals(Policy.RESPONSE_WRAPPING)) {
            throw EngineException.badRequest("cannot update the built-in " + n + " policy");
        }
        Policy p = PolicyParser.parse(n, text);
        storage.put(PREFIX + n, text.getBytes(StandardCharsets.UTF_8));
        // the parse is kept: the next request only recompiles ACLs (linear, cheap), never re-parses
        parsed.put(n, p);
        acls.clear();
        return p;
    }

    public void delete(String name) {
        String n = validName(name);
        if (n.equals(Policy.ROOT) || n.equals(Policy.DEFAULT) || n.equals(Policy.RESPONSE_WRAPPING)) {
            throw EngineException.badRequest("cannot delete the " + n + " policy");
        }
        storage.delete(PREFIX + n);
        parsed.remove(n);
        acls.clear();
    }

    /** The compiled ACL of a token's policies; unknown names contribute nothing. */
    public Acl acl(Collection<String> policyNames) {
        Set<String> key = Set.copyOf(policyNames);
        return acls.computeIfAbsent(key, k -> {
            List<Policy> policies = new ArrayList<>();
            for (String name : k) {
                get(name).ifPresent(policies::add);
            }
            return Acl.compile(policies);
        });
    }

    private void invalidate() {
        parsed.clear();
        acls.clear();
    }

    static String validName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!NAME.matcher(n).matches()) {
            throw EngineException.badRequest("invalid policy name \"" + name + "\": use letters, digits, '.', '_', "
                    + "'-' and '@' (at most 128)");
        }
        return n;
    }
}
