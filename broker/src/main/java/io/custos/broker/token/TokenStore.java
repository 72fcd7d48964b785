package io.custos.broker.token;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealedException;
import io.custos.engine.sdk.Json;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens: 256 random bits with a recognisable prefix, handed out once and stored only as
 * HMAC-SHA256 under a key that lives behind the barrier. A lookup hashes the presented token and
 * fetches by that hash, so no token is ever compared byte by byte.
 */
@Singleton
public class TokenStore {
    public static final String TOKEN_PREFIX = "cvs.";
    static final String HMAC_KEY_PATH = "core/token/hmac-key";
    static final String ID_PREFIX = "core/token/id/";
    static final String ACCESSOR_PREFIX = "core/token/accessor/";
    /** One MAC per thread, re-keyed only when the hashing key changes (after a re-initialisation). */
    private final ThreadLocal<KeyedMac> mac = new ThreadLocal<>();

    private record KeyedMac(byte[] key, Mac mac) {
    }

    private final BarrierStorage storage;
    private final Clock clock;
    private final Map<String, TokenEntry> cache = new ConcurrentHashMap<>();
    private volatile byte[] hmacKey;

    public TokenStore(BarrierStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** Loads (or on first use creates) the hashing key; called when the barrier unseals. */
    public void onUnseal() {
        byte[] key = storage.get(HMAC_KEY_PATH).orElse(null);
        if (key == null) {
            key = AesGcm.randomBytes(32);
            storage.put(HMAC_KEY_PATH, key);
        }
        hmacKey = key;
    }

    public void onSeal() {
        hmacKey = null;
        cache.clear();
    }

    /** Creates a root token; {@code requestedId} (dev mode's fixed id) or a fresh random one. */
    public String createRootToken(String requestedId) {
        String token = requestedId != null && !requestedId.isEmpty() ? requestedId : newToken();
        String accessor = newAccessor();
        TokenEntry entry = new TokenEntry(accessor, List.of("root"), "root", "auth/token/root",
                clock.instant().getEpochSecond(), 0, Map.of(), "", 0, 0, 0, false);
        store(token, entry);
        return token;
    }

    /** A new token for {@code entry} (whose accessor this fills in); returns the token and its entry. */
    public Issued create(TokenEntry template) {
        String token = newToken();
        TokenEntry entry = new TokenEntry(newAccessor(), template.policies(), template.displayName(), template.path(),
                clock.instant().getEpochSecond(), template.ttlSeconds(), template.meta(), template.parentAccessor(),
                template.expireTime(), template.explicitMaxTtlSeconds(), template.numUses(), template.renewable());
        store(token, entry);
        return new Issued(token, entry);
    }

    /** A freshly issued token: the only moment the token itself exists outside the client. */
    public record Issued(String token, TokenEntry entry) {
        @Override
        public String toString() {
            return "Issued[token redacted, accessor " + entry.accessor() + "]";
        }
    }

    private void store(String token, TokenEntry entry) {
        String hash = hash(token);
        storage.put(ID_PREFIX + hash, Json.write(entry));
        storage.put(ACCESSOR_PREFIX + hash(entry.accessor()), hash.getBytes(StandardCharsets.US_ASCII));
        cache.put(hash, entry);
    }

    /**
     * Spends one use of a limited-use token, atomically on this node: the last use deletes it, and a
     * token with no uses left is refused. Returns false when the token can no longer be used.
     */
    public boolean spendUse(String token) {
        String hash = hash(token);
        TokenEntry e = cache.get(hash);
        if (e != null && e.numUses() == 0) {
            return true;
        }
        synchronized (lockFor(hash)) {
            Optional<TokenEntry> current = storage.get(ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class));
            if (current.isEmpty()) {
                cache.remove(hash);
                return false;
            }
            TokenEntry entry = current.get();
            if (entry.numUses() == 0) {
                return true;
            }
            if (entry.numUses() == 1) {
                delete(hash, entry);
            } else {
                TokenEntry next = entry.withNumUses(entry.numUses() - 1);
                storage.put(ID_PREFIX + hash, Json.write(next));
                cache.put(hash, next);
            }
            return true;
        }
    }

    private void delete(String hash, TokenEntry entry) {
        storage.delete(ID_PREFIX + hash);
        storage.delete(ACCESSOR_PREFIX + hash(entry.accessor()));
        cache.remove(hash);
    }

    private final Object[] locks = java.util.stream.IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();

    private Object lockFor(String hash) {
        return locks[Math.floorMod(hash.hashCode(), locks.length)];
    }

    public Optional<TokenEntry> lookup(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        String hash = hash(token);
        TokenEntry entry = cache.get(hash);
        if (entry == null) {
            entry = storage.get(ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
            if (entry == null) {
                return Optional.empty();
            }
            cache.put(hash, entry);
        }
        if (entry.isExpired(clock.instant().getEpochSecond())) {
            // expired tokens stop working at their expiry, not at the next sweep
            delete(hash, entry);
            return Optional.empty();
        }
        return Optional.of(entry);
    }

    private String hash(String value) {
        byte[] key = hmacKey;
        if (key == null) {
            throw new SealedException();
        }
        KeyedMac keyed = mac.get();
        if (keyed == null || keyed.key() != key) {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(key, "HmacSHA256"));
                keyed = new KeyedMac(key, m);
                mac.set(keyed);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return HexFormat.of().formatHex(keyed.mac().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static String newToken() {
        return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(AesGcm.randomBytes(32));
    }

    private static String newAccessor() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(AesGcm.randomBytes(18));
    }
}
