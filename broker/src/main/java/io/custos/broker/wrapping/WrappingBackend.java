package io.custos.broker.wrapping;

import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.broker.policy.Policy;
import io.custos.broker.token.TokenCaller;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Response wrapping: a response is stored behind the barrier under a fresh single-use token with
 * only the {@code response-wrapping} policy, and the client gets {@code wrap_info} instead of the
 * data. {@code sys/wrapping/unwrap} returns it once (the token is revoked and the copy deleted in
 * the same step), {@code lookup} describes it, {@code rewrap} moves it to a new token, and
 * {@code wrap} wraps data the client supplies.
 */
@Singleton
public class WrappingBackend extends FrameworkBackend implements BuiltinBackend {
    static final String STORAGE_PREFIX = "core/wrapping/";
    /** What a taken wrapped response is replaced with until it is deleted (never valid JSON of a response). */
    private static final byte[] CLAIMED = "claimed".getBytes(StandardCharsets.US_ASCII);
    private static final Field TOKEN = Field.of("token", FieldType.STRING,
            "The wrapping token; default: the calling token.").asSensitive();


    private final TokenStore tokens;
    private final BarrierStorage storage;
    private final Clock clock;

    public WrappingBackend(TokenStore tokens, BarrierStorage storage, Clock clock) {
        this.tokens = tokens;
        this.storage = storage;
        this.clock = clock;
    }

    @Override
    public String mountPath() {
        return "sys/wrapping/";
    }

    @Override
    public String mountType() {
        return "system";
    }

    /** A wrapped response as stored. */
    record Wrapped(Map<String, Object> response, String creationPath, long creationTime, long ttl) {
    }

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("unwrap").fields(TOKEN)
                        .on(UPDATE, (r, d) -> unwrap(r, d))
                        .help("Returns a wrapped response once, and revokes its wrapping token.", "").build(),
                PathSpec.path("lookup").fields(TOKEN)
                        .on(READ, (r, d) -> lookup(r, d))
                        .on(UPDATE, (r, d) -> lookup(r, d))
                        .help("Describes a wrapping token without using it (no token needed: the wrapping "
                                + "token is the credential).", "")
                        .unauthenticated(READ, UPDATE).build(),
                PathSpec.path("rewrap").fields(TOKEN)
                        .on(UPDATE, (r, d) -> rewrap(r, d))
                        .help("Moves a wrapped response to a new wrapping token.", "").build(),
                PathSpec.path("wrap")
                        .on(UPDATE, (r, d) -> wrapSupplied(r))
                        .help("Wraps the request's own data (needs X-Vault-Wrap-TTL).", "").build());
    }

    /**
     * Wraps {@code response} (Vault's envelope body) for {@code ttl}; returns {@code wrap_info}.
     */
    public Map<String, Object> wrap(Map<String, Object> response, String creationPath, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        TokenStore.Issued issued = tokens.create(new TokenEntry(null, List.of(Policy.RESPONSE_WRAPPING),
                "response-wrapping", "sys/wrapping/wrap", now, ttl.toSeconds(), Map.of(), "", now + ttl.toSeconds(),
                0, 0, false));
        storage.put(STORAGE_PREFIX + issued.entry().accessor(),
                Json.write(new Wrapped(response, creationPath, now, ttl.toSeconds())));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("token", issued.token());
        info.put("accessor", issued.entry().accessor());
        info.put("ttl", ttl.toSeconds());
        info.put("creation_time", Instant.ofEpochSecond(now).toString());
        info.put("creation_path", creationPath);
        Object auth = response.get("auth");
        if (auth instanceof Map<?, ?> a && a.get("accessor") != null) {
            info.put("wrapped_accessor", a.get("accessor"));
        }
        return info;
    }

    private TokenStore.Found wrappingToken(Request r, FieldData d) {
        String presented = r.context().clientToken() == null ? "" : r.context().clientToken();
        String token = d.has("token") && !d.getString("token").isBlank() ? d.getString("token") : presented;
        return tokens.find(token).filter(f -> f.entry().policies().contains(Policy.RESPONSE_WRAPPING))
                .orElseThrow(() -> EngineException.badRequest("wrapping token is not valid or does not exist"));
    }

    private Wrapped stored(String accessor) {
        return storage.get(STORAGE_PREFIX + accessor).filter(b -> !Arrays.equals(b, CLAIMED)).map(WrappingBackend::parse)
                .orElseThrow(() -> EngineException.badRequest("wrapping token is not valid or does not exist"));
    }

    private static Wrapped parse(byte[] stored) {
        try {
            return Json.MAPPER.readValue(stored, new TypeReference<Wrapped>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Response unwrap(Request r, FieldData d) {
        return original(take(wrappingToken(r, d)).response());
    }

    /**
     * The wrapped response, once across every broker: the stored copy is claimed with a
     * compare-and-put (a second taker, here or on another node, finds it claimed), then deleted
     * with its wrapping token.
     */
    private Wrapped take(TokenStore.Found f) {
        String key = STORAGE_PREFIX + f.entry().accessor();
        Optional<byte[]> current = storage.get(key);
        if (current.isEmpty() || Arrays.equals(current.get(), CLAIMED)
                || !storage.compareAndPut(key, current, CLAIMED)) {
            throw EngineException.badRequest("wrapping token is not valid or does not exist");
        }
        Wrapped w = parse(current.get());
        storage.delete(key);
        tokens.revoke(f.hash(), false);
        return w;
    }

    /**
     * Vault's older unwrapping, a read of {@code cubbyhole/response} with the wrapping token: the
     * stored envelope, once (the copy is deleted and the token revoked).
     */
    public Map<String, Object> takeForLegacyUnwrap(TokenStore.Found f) {
        return take(f).response();
    }

    /** The wrapped response as it would have been returned: its data, auth and warnings. */
    @SuppressWarnings("unchecked")
    private static Response original(Map<String, Object> envelope) {
        Response r = Response.of((Map<String, Object>) envelope.get("data"))
                .withAuth((Map<String, Object>) envelope.get("auth"));
        if (envelope.get("warnings") instanceof List<?> warnings) {
            warnings.forEach(w -> r.warn(String.valueOf(w)));
        }
        return r;
    }

    /** {@code wrap} takes arbitrary fields, so it bypasses field declarations (and their warnings). */
    @Override
    public Response handle(Request request) {
        if (request.path().equals("wrap") && request.operation() != Operation.READ) {
            return wrapSupplied(request);
        }
        return super.handle(request);
    }

    private Response lookup(Request r, FieldData d) {
        TokenStore.Found f = wrappingToken(r, d);
        Wrapped w = stored(f.entry().accessor());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creation_path", w.creationPath());
        out.put("creation_time", Instant.ofEpochSecond(w.creationTime()).toString());
        out.put("creation_ttl", w.ttl());
        return Response.of(out);
    }

    private Response rewrap(Request r, FieldData d) {
        Wrapped w = take(wrappingToken(r, d));
        return Response.of(Map.of(WRAP_INFO, wrap(w.response(), w.creationPath(), Duration.ofSeconds(w.ttl()))));
    }

    /** Marker key: the router answers with this {@code wrap_info} instead of data. */
    public static final String WRAP_INFO = "custos.wrap_info";

    /** The request's own fields become the response, which the dispatcher then wraps. */
    private Response wrapSupplied(Request r) {
        if (TokenCaller.of(r).wrapTtl() == null) {
            throw EngineException.badRequest("sys/wrapping/wrap needs the X-Vault-Wrap-TTL header");
        }
        if (r.data().isEmpty()) {
            throw EngineException.badRequest("no data to wrap");
        }
        return Response.of(r.data());
    }
}
