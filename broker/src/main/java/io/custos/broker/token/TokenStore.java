package io.custos.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.config.TokenConfiguration;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.crypto.SlotPool;
import io.custos.broker.seal.Core;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
public class TokenStore implements SealListener, Core.RootTokenIssuer {
    private static final Pattern DISPLAY_NAME_UNSAFE = Pattern.compile("[^A-Za-z0-9-]");
    public static final String TOKEN_PREFIX = "cvs.";
    /** Batch tokens: the sealed entry itself, nothing stored. */
    public static final String BATCH_PREFIX = "cvb.";
    static final String HMAC_KEY_PATH = "core/token/hmac-key";
    static final String BATCH_KEY_PATH = "core/token/batch-key";
    private static final byte[] BATCH_AAD = "custos batch token v1".getBytes(StandardCharsets.US_ASCII);
    static final String ID_PREFIX = "core/token/id/";
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

    /** A pooled MAC and the key it was last initialised with. */
    private static final class KeyedMac {
        final Mac mac;
        byte[] key;

        KeyedMac() {
            try {
                mac = Mac.getInstance("HmacSHA256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final BarrierStorage storage;
    private final Clock clock;
    private final Cache<String, TokenEntry> byHash;
    /** Pooled MACs (requests run on virtual threads: per-thread MACs would be made per request). */
    private final SlotPool<KeyedMac> macs = new SlotPool<>(KeyedMac::new);
    private final Object[] locks = IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();
    private volatile byte[] hmacKey;
    private volatile byte[] batchKey;

    private final List<Consumer<String>> revokeListeners =
            new CopyOnWriteArrayList<>();

    public TokenStore(BarrierStorage storage, Clock clock, TokenConfiguration config) {
        this.storage = storage;
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
        byte[] key = storage.get(HMAC_KEY_PATH).orElse(null);
        if (key == null) {
            key = Drbg.randomBytes(32);
            storage.put(HMAC_KEY_PATH, key);
        }
        hmacKey = key;
        byte[] bk = storage.get(BATCH_KEY_PATH).orElse(null);
        if (bk == null) {
            bk = Drbg.randomBytes(32);
            storage.put(BATCH_KEY_PATH, bk);
        }
        batchKey = bk;
    }

    @Override
    public void onSeal() {
        byte[] key = hmacKey;
        hmacKey = null;
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
        byte[] bk = batchKey;
        batchKey = null;
        if (bk != null) {
            Arrays.fill(bk, (byte) 0);
        }
        SecretKeySpec dummy = new SecretKeySpec(Drbg.randomBytes(32), "HmacSHA256");
        macs.forEach(m -> {
            try {
                m.mac.init(dummy); // the key's ipad/opad state goes with it
                m.key = null;
            } catch (GeneralSecurityException e) {
                // a MAC that refuses a fresh key holds no state worth scrubbing
            }
        });
        byHash.invalidateAll();
    }

    /** Creates a root token; {@code requestedId} (dev mode's fixed id) or a fresh random one. */
    @Override
    public String createRootToken(String requestedId) {
        String token = requestedId != null && !requestedId.isEmpty() ? requestedId : newToken();
        store(token, new TokenEntry(newAccessor(), List.of("root"), "root", "auth/token/root",
                clock.instant().getEpochSecond(), 0, Map.of(), "", 0, 0, 0, false));
        return token;
    }

    /** A new token like {@code template}, with a fresh token and accessor, linked under its parent. */
    public Issued create(TokenEntry template) {
        return create(newToken(), template);
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
        if (storage.get(ID_PREFIX + hash(id)).isPresent()) {
            throw EngineException.badRequest("cannot create a token with a duplicate ID");
        }
        return create(id, template);
    }

    /**
     * A batch token: the entry (no accessor, not renewable, no use limit) sealed with AES-256-GCM
     * under a key behind the barrier. Nothing is stored, so it cannot be revoked; it ends at its
     * expiry, or when its parent is revoked (validity checks the parent on every use).
     */
    public Issued createBatch(TokenEntry template) {
        byte[] key = batchKey;
        if (key == null) {
            throw new SealedException();
        }
        TokenEntry entry = new TokenEntry("", template.policies(), cleanDisplayName(template.displayName()),
                template.path(), clock.instant().getEpochSecond(), template.ttlSeconds(), template.meta(),
                template.parentAccessor(), template.expireTime(), 0, 0, false, 0, template.boundCidrs());
        byte[] sealed = AesGcm.DATA.seal(key, BATCH_AAD, Json.write(entry));
        return new Issued(BATCH_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed), entry);
    }

    /** The entry a batch token carries, if it is one of ours (unaltered, under this storage's key). */
    private Optional<TokenEntry> openBatch(String token) {
        byte[] key = batchKey;
        if (key == null) {
            throw new SealedException();
        }
        try {
            byte[] sealed = Base64.getUrlDecoder().decode(token.substring(BATCH_PREFIX.length()));
            return Optional.of(Json.read(AesGcm.DATA.open(key, BATCH_AAD, sealed), TokenEntry.class));
        } catch (IllegalArgumentException | IntegrityException e) {
            return Optional.empty(); // forged, altered or from another installation: no such token
        }
    }

    private Issued create(String token, TokenEntry template) {
        TokenEntry entry = new TokenEntry(newAccessor(), template.policies(), cleanDisplayName(template.displayName()),
                template.path(),
                clock.instant().getEpochSecond(), template.ttlSeconds(), template.meta(), template.parentAccessor(),
                template.expireTime(), template.explicitMaxTtlSeconds(), template.numUses(), template.renewable(),
                template.periodSeconds(), template.boundCidrs(), 0, template.maxTtlSeconds());
        store(token, entry);
        return new Issued(token, entry);
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

    private void put(String hash, TokenEntry entry) {
        storage.put(ID_PREFIX + hash, Json.write(entry));
        byHash.put(hash, entry);
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
        if (entry == null) {
            return Optional.empty();
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

    private TokenEntry load(String hash) {
        TokenEntry e = byHash.getIfPresent(hash);
        if (e == null) {
            e = storage.get(ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
            if (e != null) {
                byHash.put(hash, e);
            }
        }
        return e;
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
        String hash = token.hash();
        synchronized (lockFor(hash)) {
            TokenEntry entry = storage.get(ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
            if (entry == null) {
                byHash.invalidate(hash);
                return false;
            }
            if (entry.numUses() == 1) {
                revoke(hash, false);
            } else if (entry.numUses() > 1) {
                put(hash, entry.withNumUses(entry.numUses() - 1));
            }
            return true;
        }
    }

    private Object lockFor(String hash) {
        return locks[Math.floorMod(hash.hashCode(), locks.length)];
    }

    String hash(String value) {
        byte[] key = hmacKey;
        if (key == null) {
            throw new SealedException();
        }
        byte[] input = value.getBytes(StandardCharsets.UTF_8);
        return macs.with(m -> {
            if (m.key != key) {
                try {
                    m.mac.init(new SecretKeySpec(key, "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
                m.key = key;
            }
            return HexFormat.of().formatHex(m.mac.doFinal(input));
        });
    }

    /** 43 base62 characters: 256 bits, in Vault's alphabet (no '-' or '_' a CLI could take for a flag). */
    private static String newToken() {
        return TOKEN_PREFIX + base62(43);
    }

    /** 24 base62 characters (142 bits), as Vault's accessors. */
    private static String newAccessor() {
        return base62(24);
    }

    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    /** {@code n} uniformly random base62 characters (bytes ≥ 248 are rejected, so there is no bias). */
    static String base62(int n) {
        StringBuilder out = new StringBuilder(n);
        while (out.length() < n) {
            for (byte b : Drbg.randomBytes(n + 8)) {
                int v = b & 0xff;
                if (v < 248 && out.length() < n) {
                    out.append(BASE62[v % 62]);
                }
            }
        }
        return out.toString();
    }
}
