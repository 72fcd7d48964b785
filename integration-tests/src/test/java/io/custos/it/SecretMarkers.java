package io.custos.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The secrets the end-to-end tests created or were handed (tokens, passwords, keys, secret-ids,
 * values written), appended to a file that {@link NoSecretInLogsIT} checks every broker's
 * output against once all tests have run. {@link ApiClient} registers what passes through it;
 * tests register anything else they make.
 */
final class SecretMarkers {
    /** Shorter values would match by chance. */
    static final int MIN_LENGTH = 8;
    /** JSON fields whose string values are secrets, in requests and responses alike. */
    static final Set<String> SECRET_FIELDS = Set.of("client_token", "root_token", "token", "password", "secret_id",
            "private_key", "keys", "keys_base64", "jwt", "key", "unseal_key");

    private SecretMarkers() {
    }

    static Path dir() {
        return Path.of(System.getProperty("custos.it.dir", "target/it-secrets"));
    }

    static Path markersFile() {
        return dir().resolve("markers.txt");
    }

    /** Registers one secret (base64 on its own line, so any value fits). */
    static synchronized void register(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH) {
            return;
        }
        try {
            Files.createDirectories(dir());
            Files.writeString(markersFile(), Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8))
                    + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers every string under a secret field anywhere in {@code json} (and every KV secret's values). */
    static void scan(JsonNode json) {
        scan(json, false);
    }

    private static void scan(JsonNode node, boolean secret) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && secret) {
            register(node.asText());
        } else if (node.isArray()) {
            node.forEach(n -> scan(n, secret));
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                scan(f.getValue(), secret || SECRET_FIELDS.contains(f.getKey()));
            }
        }
    }
}
