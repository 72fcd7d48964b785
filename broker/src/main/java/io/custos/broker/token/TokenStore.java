package io.custos.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.config.TokenConfiguration;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.seal.Core;
import io.custos.broker.storage.CacheValidity;
import io.custos.broker.storage.ChangeListener;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Tokens: 256 random bits with a recognisable prefix, handed out once and stored only as
 * HMAC-SHA256 under a key that lives behind the barrier. A lookup hashes the presented token and
 * fetches by that hash, so no token is ever compared byte by byte.
 *
 * <p>Layout behind the barrier: {@code core/token/id/<hash>} (the entry),
 * {@code core/token/accessor/<hmac(accessor)>} (→ token hash), and
 * {@code core/token/parent/<hmac(parent accessor)>/<hmac(child accessor)>} (→ child token hash).
 * A token is valid only while it is unexpired and so is every ancestor, so a child stops at the
 * moment its parent expires; revoking a token revokes its whole subtree.
 */
@Singleton
public class TokenStore implements SealListener, Core.RootTokenIssuer, ChangeListener {
    private static final Pattern DISPLAY_NAME_UNSAFE = Pattern.compile("[^A-Za-z0-9-]");
    public static final String TOKEN_PREFIX = "cvs.";
    /** Batch tokens: the sealed entry itself, nothing stored. */
    public static final String BATCH_PREFIX = "cvb.";
    static final String HMAC_KEY_PATH = "core/token/hmac-key";
    static final String BATCH_KEY_PATH = "core/token/batch-key";
    static final String ID_PREFIX = "core/token/id/";
    /** Random base62 characters after the prefix (≈ 256 bits). */
    private static final int TOKEN_CHARS = 43;
    static final String ACCESSOR_PREFIX = "core/token/accessor/";
    static final String PARENT_PREFIX = "core/token/parent/";
    /** {@code core/token/expiry/<minute of expiry, zero-padded>/<hash>}: what the sweep must look at, by time. */
    static final String EXPIRY_PREFIX = "core/token/expiry/";
    private static final byte[] MARKER = new byte[0];
    /** Fixed cost of a cached entry besides its strings (object headers, the record, map node). */
    private static final int ENTRY_OVERHEAD = 320;

    /** A freshly issued token: the only moment the token itself exists outside the client. */
    public record Issued(String token, TokenEntry entry) {
        @Override
        public String toString() {
            return "Issued[token redacted, accessor " + entry.accessor() + "]";
        }
    }

    /**
     * A token found by its hash (the handle for revocation and renewal); a batch token has no hash,
     * as nothing of it is stored.
     */
    public record Found(String hash, TokenEntry entry) {
        public boolean isBatch() {
            return entry.isBatch();
        }
    }

    private final BarrierStorage storage;
    private final Clock clock;
    /** Uses of one token lost to concurrent ones before a request gives up (503). */
    private static final int MAX_USE_ATTEMPTS = 64;
    private final Cache<String, TokenEntry> byHash;
    private final CacheValidity validity;
    private final TokenKeys keys = new TokenKeys();
    private final Object[] locks = IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();

    private final List<Consumer<String>> revokeListeners =
            new CopyOnWriteArrayList<>();

    public TokenStore(BarrierStorage storage, Clock clock, TokenConfiguration config, CacheValidity validity) {
        this.storage = storage;
        this.validity = validity;
        this.clock = clock;
        this.byHash = Caffeine.newBuilder()
                .maximumWeight(config.getCacheMaxBytes())
                .scheduler(Scheduler.systemScheduler()) // expired entries leave without waiting for cache traffic
                .<String, TokenEntry>weigher((hash, e) -> weight(hash, e))
                .expireAfter(new Expiry<String, TokenEntry>() {
                    @Override
                    public long expireAfterCreate(String hash, TokenEntry e, long now) {
                        return untilExpiry(e);
                    }

                    @Override
                    public long expireAfterUpdate(String hash, TokenEntry e, long now, long current) {
                        return untilExpiry(e);
                    }

                    @Override
                    public long expireAfterRead(String hash, TokenEntry e, long now, long current) {
                        return current;
                    }
                })
                .build();
    }

    /** An entry leaves the cache when its token expires (it is re-read, and refused, if asked for again). */
    private long untilExpiry(TokenEntry e) {
        if (e.expireTime() == 0) {
            return Long.MAX_VALUE;
        }
        long seconds = e.expireTime() - clock.instant().getEpochSecond();
        return seconds <= 0 ? 0 : TimeUnit.SECONDS.toNanos(Math.min(seconds, Long.MAX_VALUE / 2_000_000_000L));
    }

    private static int weight(String hash, TokenEntry e) {
        long chars = hash.length() + e.accessor().length() + e.displayName().length() + e.path().length()
                + e.parentAccessor().length();
        for (String p : e.policies()) {
            chars += p.length() + 16;
        }
        for (Map.Entry<String, String> m : e.meta().entrySet()) {
            chars += m.getKey().length() + m.getValue().length() + 32;
        }
        for (String c : e.boundCidrs()) {
            chars += c.length() + 16;
        }
        return (int) Math.min(Integer.MAX_VALUE, ENTRY_OVERHEAD + 2 * chars);
    }

    /** Loads (or on first use creates) the hashing key; called when the barrier unseals. */
    @Override
    public int sealOrder() {
        return 10;
    }

    @Override
    public void onUnseal() {
        keys.load(storage.get(HMAC_KEY_PATH).orElseGet(() -> created(HMAC_KEY_PATH)),
                storage.get(BATCH_KEY_PATH).orElseGet(() -> created(BATCH_KEY_PATH)));
    }

    /** A new key, created once across brokers: a node that loses the race uses the winner's. */
    private byte[] created(String path) {
        byte[] key = Drbg.randomBytes(32);
        return storage.compareAndPut(path, Optional.empty(), key) ? key : storage.get(path).orElseThrow();
    }

    @Override
    public void onSeal() {
        keys.wipe();
        byHash.invalidateAll();
    }

    @Override
    public int tokenLength() {
        return TOKEN_PREFIX.length() + TOKEN_CHARS;
    }

    /** Creates a root token; {@code requestedId} (dev mode's fixed id) or a fresh random one. */
    @Override
    public String createRootToken(String requestedId) {
        String token = requestedId != null && !requestedId.isEmpty() ? requestedId : TOKEN_PREFIX + Drbg.base62(TOKEN_CHARS);
        store(token, new TokenEntry(Drbg.base62(24), List.of("root"), "root", "auth/token/root",
                clock.instant().getEpochSecond(), 0, Map.of(), "", 0, 0, 0, false));
        return token;
    }

    /** A new token like {@code template}, with a fresh token and accessor, linked under its parent. */
    public Issued create(TokenEntry template) {
        return create(TOKEN_PREFIX + Drbg.base62(TOKEN_CHARS), template);
    }

    /**
     * A token with an id the caller chose (Vault's {@code id}, root or sudo only, used by CI
     * scripts): refused when that id is taken or looks like one Custos generates.
     */
    public Issued createWithId(String id, TokenEntry template) {
        if (id.startsWith(TOKEN_PREFIX) || id.startsWith(BATCH_PREFIX)) {
            throw EngineException.badRequest("custom token ids cannot begin with " + TOKEN_PREFIX
                    + " or " + BATCH_PREFIX);
        }
        if (id.chars().anyMatch(c -> c <= 0x20 || c == 0x7f) || id.length() > 256) {
            throw EngineException.badRequest("custom token ids are 1 to 256 printable characters");
        }
        TokenEntry entry = fresh(template);
        String hash = hash(id);
        // claimed once across brokers: two creations of one id at once must not both answer 200
        if (!storage.compareAndPut(ID_PREFIX + hash, Optional.empty(), Json.write(entry))) {
            throw EngineException.badRequest("cannot create a token with a duplicate ID");
        }
        byHash.invalidate(hash); // an absence read before the claim is not answered again
        index(hash, entry);
        return new Issued(id, entry);
    }

    /**
     * A batch token: the entry (no accessor, not renewable, no use limit) sealed with AES-256-GCM
     * under a key behind the barrier. Nothing is stored, so it cannot be revoked; it ends at its
     * expiry, or when its parent is revoked (validity checks the parent on every use).
     */
    public Issued createBatch(TokenEntry template) {
        TokenEntry entry = new TokenEntry("", template.policies(), cleanDisplayName(template.displayName()),
                template.path(), clock.instant().getEpochSecond(), template.ttlSeconds(), template.meta(),
                template.parentAccessor(), template.expireTime(), 0, 0, false, 0, template.boundCidrs());
        return new Issued(BATCH_PREFIX + keys.sealBatch(Json.write(entry)), entry);
    }

    /** The entry a batch token carries, if it is one of ours (unaltered, under this storage's key). */
    private Optional<TokenEntry> openBatch(String token) {
        return keys.openBatch(token.substring(BATCH_PREFIX.length())).map(b -> Json.read(b, TokenEntry.class));
    }

    private Issued create(String token, TokenEntry template) {
        TokenEntry entry = fresh(template);
        store(token, entry);
        return new Issued(token, entry);
    }

    /** The entry a new token gets from {@code template}: a fresh accessor, created now. */
    private TokenEntry fresh(TokenEntry template) {
        return new TokenEntry(Drbg.base62(24), template.policies(), cleanDisplayName(template.displayName()),
                template.path(),
                clock.instant().getEpochSecond(), template.ttlSeconds(), template.meta(), template.parentAccessor(),
                template.expireTime(), template.explicitMaxTtlSeconds(), template.numUses(), template.renewable(),
                template.periodSeconds(), template.boundCidrs(), 0, template.maxTtlSeconds());
    }

    /**
     * A display name as Vault stores it: every character outside {@code [A-Za-z0-9-]} becomes
     * {@code -} and one trailing {@code -} is dropped. Applied to every token (created or from a
     * login) because display names reach username templates and so SQL.
     */
    public static String cleanDisplayName(String name) {
        String clean = DISPLAY_NAME_UNSAFE.matcher(name == null ? "" : name).replaceAll("-");
        return clean.endsWith("-") ? clean.substring(0, clean.length() - 1) : clean;
    }

    private void store(String token, TokenEntry entry) {
        String hash = hash(token);
        put(hash, entry);
        index(hash, entry);
    }

    /** The indexes of a stored token: its expiry minute, its accessor, its parent's child link. */
    private void index(String hash, TokenEntry entry) {
        markExpiry(hash, entry);
        storage.put(ACCESSOR_PREFIX + hash(entry.accessor()), hash.getBytes(StandardCharsets.US_ASCII));
        if (!entry.parentAccessor().isEmpty()) {
            storage.put(PARENT_PREFIX + hash(entry.parentAccessor()) + "/" + hash(entry.accessor()),
                    hash.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Indexes the token under the minute it expires in, for the sweep. */
    void markExpiry(String hash, TokenEntry entry) {
        if (entry.expireTime() > 0) {
            storage.put(expiryKey(entry.expireTime(), hash), MARKER);
        }
    }

    private static String expiryKey(long expireTime, String hash) {
        return EXPIRY_PREFIX + String.format("%012d", expireTime / 60) + "/" + hash;
    }

    /**
     * Stores the entry and caches it under the key's lock, so a change another broker makes after
     * this write (its notification waits for the lock) always wins over this copy.
     */
    private void put(String hash, TokenEntry entry) {
        if (!validity.isValid()) {
            storage.put(ID_PREFIX + hash, Json.write(entry));
            byHash.invalidate(hash);
            return;
        }
        byHash.asMap().compute(hash, (k, old) -> {
            storage.put(ID_PREFIX + hash, Json.write(entry));
            return entry;
        });
    }

    @Override
    public void changed(String path, boolean below) {
        if (path.startsWith(ID_PREFIX)) {
            String hash = path.substring(ID_PREFIX.length());
            if (below) {
                byHash.asMap().keySet().removeIf(h -> h.startsWith(hash));
            } else {
                byHash.invalidate(hash);
            }
        } else if (below && ID_PREFIX.startsWith(path)) {
            byHash.invalidateAll();
        }
    }

    @Override
    public void resynchronise() {
        byHash.invalidateAll();
    }

    /** The valid token behind {@code token}: present, unexpired, and with every ancestor valid. */
    public Optional<TokenEntry> lookup(String token) {
        return find(token).map(Found::entry);
    }

    public Optional<Found> find(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        if (token.startsWith(BATCH_PREFIX)) {
            return openBatch(token).filter(e -> !e.isExpired(clock.instant().getEpochSecond()))
                    .filter(e -> e.parentAccessor().isEmpty() || findByAccessor(e.parentAccessor()).isPresent())
                    .map(e -> new Found(null, e));
        }
        return findValid(hash(token));
    }

    public Optional<Found> findByAccessor(String accessor) {
        if (accessor == null || accessor.isEmpty()) {
            return Optional.empty();
        }
        return storage.get(ACCESSOR_PREFIX + hash(accessor))
                .flatMap(h -> findValid(new String(h, StandardCharsets.US_ASCII)));
    }

    private Optional<Found> findValid(String hash) {
        TokenEntry entry = load(hash);
        if (entry != null && entry.isExpired(clock.instant().getEpochSecond())) {
            // before revoking for everyone, read storage: another broker may have just renewed it
            byHash.invalidate(hash);
            entry = read(hash);
        }
        if (entry == null || entry.numUses() < 0) {
            return Optional.empty(); // gone, or its last use is taken
        }
        if (entry.isExpired(clock.instant().getEpochSecond())) {
            // expired tokens stop working at their expiry, not at the next sweep
            revoke(hash, false);
            return Optional.empty();
        }
        if (!entry.parentAccessor().isEmpty() && findByAccessor(entry.parentAccessor()).isEmpty()) {
            revoke(hash, false);
            return Optional.empty();
        }
        return Optional.of(new Found(hash, entry));
    }

    /** The stored entry, through the cache while the change feed listens (loaded under the key's lock). */
    private TokenEntry load(String hash) {
        return validity.read(byHash, hash, this::read);
    }

    private TokenEntry read(String hash) {
        return storage.get(ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
    }

    /**
     * Revokes a token and, unless {@code orphanChildren}, its whole subtree (children first, so a
     * crash part-way leaves no child whose parent is gone but that still validates: validity checks
     * the ancestors). With {@code orphanChildren} the children survive as orphans.
     */
    /** Registers a listener told the accessor of every revoked token (the lease manager revokes its leases). */
    public void onRevoke(Consumer<String> listener) {
        revokeListeners.add(listener);
    }

    public void revoke(String hash, boolean orphanChildren) {
        TokenEntry entry = load(hash);
        if (entry == null) {
            return;
        }
        revokeListeners.forEach(l -> l.accept(entry.accessor()));
        String childrenPrefix = PARENT_PREFIX + hash(entry.accessor()) + "/";
        for (String child : storage.list(childrenPrefix)) {
            byte[] childHash = storage.get(childrenPrefix + child).orElse(null);
            if (childHash != null) {
                String ch = new String(childHash, StandardCharsets.US_ASCII);
                if (orphanChildren) {
                    TokenEntry c = load(ch);
                    if (c != null) {
                        put(ch, c.asOrphan());
                    }
                } else {
                    revoke(ch, false);
                }
            }
            storage.delete(childrenPrefix + child);
        }
        storage.delete(ID_PREFIX + hash);
        storage.delete(ACCESSOR_PREFIX + hash(entry.accessor()));
        if (!entry.parentAccessor().isEmpty()) {
            storage.delete(PARENT_PREFIX + hash(entry.parentAccessor()) + "/" + hash(entry.accessor()));
        }
        if (entry.expireTime() > 0) {
            storage.delete(expiryKey(entry.expireTime(), hash));
        }
        byHash.invalidate(hash);
    }

    /** Stores a renewed entry (same token, new expiry). */
    public void update(String hash, TokenEntry entry) {
        synchronized (lockFor(hash)) {
            put(hash, entry);
            markExpiry(hash, entry); // the old minute's marker is dropped by the sweep that reaches it
        }
    }

    /**
     * Revokes every token created through a path starting with {@code prefix} (with its subtree):
     * what Vault does when an auth method is disabled or moved, or on revoke-prefix of
     * {@code auth/<method>/}. A full pass over the stored tokens; returns how many were revoked.
     */
    public int revokeByPath(String prefix) {
        int n = 0;
        for (String hash : storage.list(ID_PREFIX)) {
            TokenEntry e = load(hash);
            if (e != null && e.path().startsWith(prefix)) {
                revoke(hash, false);
                n++;
            }
        }
        return n;
    }

    /** Entries held in memory now (for tests and metrics). */
    public long cachedEntries() {
        byHash.cleanUp();
        return byHash.estimatedSize();
    }

    /**
     * Service tokens in storage (every broker's; batch tokens are never stored), expired ones
     * not yet swept included — for sys/metrics.
     */
    public long storedCount() {
        return storage.count(ID_PREFIX);
    }

    /** Every live token's accessor (sorted), for LIST auth/token/accessors. */
    public List<String> accessors() {
        List<String> out = new ArrayList<>();
        for (String key : storage.list(ACCESSOR_PREFIX)) {
            storage.get(ACCESSOR_PREFIX + key).map(h -> load(new String(h, StandardCharsets.US_ASCII)))
                    .ifPresent(e -> out.add(e.accessor()));
        }
        out.sort(null);
        return out;
    }

    /**
     * Spends one use of a limited-use token, atomically on this node: the last use deletes it, and a
     * token with no uses left is refused. Returns false when the token can no longer be used.
     */
    public boolean spendUse(Found token) {
        if (token.entry().numUses() == 0) {
            return true;
        }
        NonBlocking.check(); // a use is a compare-and-put, under a lock a worker may hold across it
        String hash = token.hash();
        String key = ID_PREFIX + hash;
        synchronized (lockFor(hash)) {
            // across brokers, one compare-and-put per use: a use counted twice is refused, not lost
            for (int attempt = 0; attempt < MAX_USE_ATTEMPTS; attempt++) {
                Optional<byte[]> current = storage.get(key);
                TokenEntry entry = current.map(b -> Json.read(b, TokenEntry.class)).orElse(null);
                if (entry == null || entry.numUses() < 0) {
                    byHash.invalidate(hash);
                    return false;
                }
                if (entry.numUses() == 0) {
                    return true;
                }
                // the last use marks the token spent (-1, refused from then on) before it is revoked
                TokenEntry next = entry.withNumUses(entry.numUses() == 1 ? -1 : entry.numUses() - 1);
                if (storage.compareAndPut(key, current, Json.write(next))) {
                    byHash.invalidate(hash);
                    if (next.numUses() < 0) {
                        revoke(hash, false);
                    }
                    return true;
                }
            }
        }
        throw new EngineException(503, "too many concurrent uses of one token; try again");
    }

    private Object lockFor(String hash) {
        return locks[Math.floorMod(hash.hashCode(), locks.length)];
    }

    /** The HMAC of a token (or accessor) under this storage's key: how it is found without storing it. */
    String hash(String value) {
        return keys.hash(value);
    }
}
