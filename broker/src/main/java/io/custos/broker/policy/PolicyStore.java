package io.custos.broker.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.storage.CacheValidity;
import io.custos.broker.storage.ChangeListener;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * ACL policies behind the barrier ({@code core/policy/acl/<name>}, the text as written), the
 * built-in {@code root} (not stored, not editable) and {@code default} (created at unseal if
 * missing, editable, not deletable), and compiled ACLs cached per set of policy names — dropped
 * whenever any policy changes, here or on another broker (the change feed), so a request costs a
 * map lookup, not a parse. A copy made from a read that a change overtook is dropped (the
 * generation moved on); while the feed is not listening nothing is kept.
 */
@Singleton
public class PolicyStore implements SealListener, ChangeListener {
    static final String PREFIX = "core/policy/acl/";
    public static final int MAX_ACLS = 10_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    private static final Policy ROOT = new Policy(Policy.ROOT, "", List.of());
    private static final Policy RESPONSE_WRAPPING = PolicyParser.parse(Policy.RESPONSE_WRAPPING,
            Policy.RESPONSE_WRAPPING_TEXT);

    private final BarrierStorage storage;
    private final Map<String, Policy> parsed = new ConcurrentHashMap<>();
    /** Bounded: the sets come from tokens, and a token with many policies may mint children with any subset of them. */
    private final Cache<Set<String>, Acl> compiled = Caffeine.newBuilder().maximumSize(MAX_ACLS).build();
    private final Map<Set<String>, Acl> acls = compiled.asMap();
    private final AtomicLong generation = new AtomicLong();
    private final CacheValidity validity;

    public PolicyStore(BarrierStorage storage, CacheValidity validity) {
        this.storage = storage;
        this.validity = validity;
    }

    @Override
    public void changed(String path, boolean below) {
        if (path.startsWith(PREFIX) || below && PREFIX.startsWith(path)) {
            invalidate();
        }
    }

    @Override
    public void resynchronise() {
        invalidate();
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
        Policy cached = validity.isValid() ? parsed.get(name) : null;
        if (cached != null) {
            return Optional.of(cached);
        }
        long g = generation.get();
        Optional<Policy> p = storage.get(PREFIX + name)
                .map(b -> PolicyParser.parse(name, new String(b, StandardCharsets.UTF_8)));
        p.ifPresent(policy -> keep(parsed, name, policy, g));
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
        // the parse is not kept: another node's write of the same name, announced before the line
        // that kept it, would have been overwritten here (and this write's own notification drops it anyway)
        invalidate();
        return p;
    }

    public void delete(String name) {
        String n = validName(name);
        if (n.equals(Policy.ROOT) || n.equals(Policy.DEFAULT) || n.equals(Policy.RESPONSE_WRAPPING)) {
            throw EngineException.badRequest("cannot delete the " + n + " policy");
        }
        storage.delete(PREFIX + n);
        invalidate();
    }

    /** The compiled ACL of a token's policies; unknown names contribute nothing. */
    public Acl acl(Collection<String> policyNames) {
        Set<String> key = Set.copyOf(policyNames);
        Acl cached = validity.isValid() ? acls.get(key) : null;
        if (cached != null) {
            return cached;
        }
        long g = generation.get();
        List<Policy> policies = new ArrayList<>();
        for (String name : key) {
            get(name).ifPresent(policies::add);
        }
        Acl acl = Acl.compile(policies);
        keep(acls, key, acl, g);
        return acl;
    }

    /** Caches {@code value} unless a change arrived since generation {@code g} was read (then it is dropped). */
    private <K, V> void keep(Map<K, V> cache, K key, V value, long g) {
        if (!validity.isValid()) {
            return;
        }
        cache.put(key, value);
        if (generation.get() != g) {
            cache.remove(key, value);
        }
    }

    /** How many compiled ACLs are held (at most {@link #MAX_ACLS}). */
    public long compiledAcls() {
        compiled.cleanUp();
        return compiled.estimatedSize();
    }

    private void invalidate() {
        generation.incrementAndGet();
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
