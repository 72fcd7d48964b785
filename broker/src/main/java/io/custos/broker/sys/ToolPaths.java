package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.crypto.Drbg;
import io.custos.broker.token.TokenCaller;
import io.custos.broker.policy.PolicyStore;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's small {@code sys/} tools: {@code capabilities}, {@code capabilities-self} and
 * {@code capabilities-accessor} (what a token may do on paths: the CLI, the UI and hvac ask), and
 * {@code tools/random} and {@code tools/hash}.
 */
@Singleton
public class ToolPaths implements SystemPathFamily {
    /** Vault's limit on one sys/tools/random answer. */
    static final int MAX_RANDOM_BYTES = 128 * 1024;
    private static final Map<String, String> HASHES = Map.of("sha2-224", "SHA-224", "sha2-256", "SHA-256",
            "sha2-384", "SHA-384", "sha2-512", "SHA-512", "sha3-224", "SHA3-224", "sha3-256", "SHA3-256",
            "sha3-384", "SHA3-384", "sha3-512", "SHA3-512");

    private final TokenStore tokens;
    private final PolicyStore policies;

    public ToolPaths(TokenStore tokens, PolicyStore policies) {
        this.tokens = tokens;
        this.policies = policies;
    }

    private static final Field PATHS = Field.of("paths", FieldType.COMMA_STRING_LIST, "The paths to check.");
    private static final Field PATH = Field.of("path", FieldType.COMMA_STRING_LIST, "Older name of paths.");

    @Override
    public List<PathSpec> paths() {
        List<PathSpec> out = new ArrayList<>(List.of(
                PathSpec.path("capabilities")
                        .fields(Field.of("token", FieldType.STRING, "The token to check.").asSensitive(), PATHS, PATH)
                        .on(UPDATE, (r, d) -> capabilities(tokens.find(d.getString("token").trim())
                                .orElseThrow(() -> EngineException.badRequest("invalid token")).entry(), d))
                        .help("A token's capabilities on paths.", "")
                        .build(),
                PathSpec.path("capabilities-self")
                        .fields(PATHS, PATH)
                        .on(UPDATE, (r, d) -> capabilities(TokenCaller.of(r).entry(), d))
                        .help("The calling token's capabilities on paths.", "")
                        .build(),
                PathSpec.path("capabilities-accessor")
                        .fields(Field.of("accessor", FieldType.STRING, "The token's accessor."), PATHS, PATH)
                        .on(UPDATE, (r, d) -> capabilities(tokens.findByAccessor(d.getString("accessor").trim())
                                .orElseThrow(() -> EngineException.badRequest("invalid accessor")).entry(), d))
                        .help("The capabilities on paths of the token with this accessor.", "")
                        .build()));
        for (String p : List.of("tools/random", "tools/random/(?P<urlbytes>[0-9]+)", "tools/random/(?P<source>[^/]+)",
                "tools/random/(?P<source>[^/]+)/(?P<urlbytes>[0-9]+)")) {
            out.add(PathSpec.path(p)
                    .fields(Field.of("bytes", FieldType.INT, "How many bytes (default 32, at most 131072)."),
                            Field.of("urlbytes", FieldType.STRING, "bytes, given in the path."),
                            Field.of("format", FieldType.STRING, "base64 (default) or hex."),
                            Field.of("source", FieldType.STRING, "platform (default), seal or all: one source here."))
                    .on(UPDATE, (r, d) -> random(d))
                    .on(READ, (r, d) -> random(d))
                    .help("Random bytes from the broker's DRBG.", "")
                    .build());
        }
        for (String p : List.of("tools/hash", "tools/hash/(?P<urlalgorithm>[^/]+)")) {
            out.add(PathSpec.path(p)
                    .fields(Field.of("input", FieldType.STRING, "The input, base64-encoded.").asSensitive(),
                            Field.of("algorithm", FieldType.STRING, "sha2-256 (default), sha2-224/384/512 or sha3-*."),
                            Field.of("urlalgorithm", FieldType.STRING, "algorithm, given in the path."),
                            Field.of("format", FieldType.STRING, "hex (default) or base64."))
                    .on(UPDATE, (r, d) -> hash(d))
                    .help("The hash of an input.", "")
                    .build());
        }
        return out;
    }

    /** Vault's shape: each path → its capabilities, plus {@code capabilities} when one path was asked. */
    private Response capabilities(TokenEntry token, FieldData d) {
        List<String> paths = new ArrayList<>();
        for (String p : d.has("paths") ? d.<List<String>>getAs("paths") : d.has("path") ? d.<List<String>>getAs("path")
                : List.<String>of()) {
            String t = p.trim();
            if (!t.isEmpty()) {
                paths.add(t.startsWith("/") ? t.substring(1) : t);
            }
        }
        if (paths.isEmpty()) {
            throw EngineException.badRequest("missing paths");
        }
        var acl = policies.acl(token.policies());
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : paths) {
            List<String> caps = new ArrayList<>(acl.capabilities(p));
            caps.sort(null);
            out.put(p, caps);
        }
        if (paths.size() == 1) {
            out.put("capabilities", out.get(paths.get(0)));
        }
        return Response.of(out);
    }

    private static Response random(FieldData d) {
        int bytes = 32;
        if (d.has("urlbytes") && !d.getString("urlbytes").isEmpty()) {
            try {
                bytes = Integer.parseInt(d.getString("urlbytes"));
            } catch (NumberFormatException e) {
                throw EngineException.badRequest("error parsing url-set byte count: " + d.getString("urlbytes"));
            }
        } else if (d.has("bytes")) {
            bytes = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, d.getLong("bytes")));
        }
        if (d.has("source") && !List.of("", "platform", "seal", "all").contains(d.getString("source"))) {
            throw EngineException.badRequest("unsupported entropy source \"" + d.getString("source")
                    + "\"; must be \"platform\", \"seal\", or \"all\"");
        }
        if (bytes < 1) {
            throw EngineException.badRequest("number of bytes must be positive");
        }
        if (bytes > MAX_RANDOM_BYTES) {
            throw EngineException.badRequest("number of bytes cannot be more than " + MAX_RANDOM_BYTES);
        }
        String format = d.has("format") && !d.getString("format").isEmpty() ? d.getString("format") : "base64";
        byte[] random = Drbg.randomBytes(bytes);
        return Response.of(Map.of("random_bytes", encode(random, format)));
    }

    private static Response hash(FieldData d) {
        String name = d.has("urlalgorithm") && !d.getString("urlalgorithm").isEmpty() ? d.getString("urlalgorithm")
                : d.has("algorithm") && !d.getString("algorithm").isEmpty() ? d.getString("algorithm") : "sha2-256";
        String jca = HASHES.get(name);
        if (jca == null) {
            throw EngineException.badRequest("unsupported algorithm " + name);
        }
        String format = d.has("format") && !d.getString("format").isEmpty() ? d.getString("format") : "hex";
        if (!format.equals("hex") && !format.equals("base64")) {
            throw EngineException.badRequest("unsupported encoding format " + format + "; must be \"hex\" or \"base64\"");
        }
        byte[] input;
        try {
            input = Base64.getDecoder().decode(d.getString("input").trim());
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("unable to decode input as base64");
        }
        try {
            return Response.of(Map.of("sum", encode(MessageDigest.getInstance(jca).digest(input), format)));
        } catch (NoSuchAlgorithmException e) {
            throw EngineException.badRequest("unsupported algorithm " + name);
        }
    }

    private static String encode(byte[] bytes, String format) {
        return switch (format) {
            case "hex" -> HexFormat.of().formatHex(bytes);
            case "base64" -> Base64.getEncoder().encodeToString(bytes);
            default -> throw EngineException.badRequest("unsupported encoding format " + format
                    + "; must be \"hex\" or \"base64\"");
        };
    }
}
