package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other end-to-end test (its own failsafe execution): each broker output they
 * produced is searched for each secret they registered — tokens, passwords, keys, secret-ids. The
 * dev-mode banner's {@code Root Token:} and {@code Unseal Key:} lines are the only places a secret
 * may be printed, because printing them is what dev mode is asked to do.
 */
class NoSecretInLogsIT {

    @Test
    void noRegisteredSecretAppearsInAnyBrokerOutput() throws IOException {
        Path markersFile = SecretMarkers.markersFile();
        Path logs = SecretMarkers.dir().resolve("logs");
        assertTrue(Files.exists(markersFile) && Files.isDirectory(logs),
                "the other end-to-end tests registered no secrets and wrote no logs: was this run alone?");
        Set<String> secrets = new LinkedHashSet<>();
        for (String line : Files.readAllLines(markersFile, StandardCharsets.US_ASCII)) {
            if (!line.isBlank()) {
                secrets.add(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8));
            }
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(logs)) {
            files = s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        List<String> hits = new ArrayList<>();
        long bytes = 0;
        for (Path f : files) {
            String text = withoutDevBanner(Files.readString(f, StandardCharsets.UTF_8));
            bytes += text.length();
            for (String secret : secrets) {
                int at = text.indexOf(secret);
                if (at >= 0) {
                    int lineStart = text.lastIndexOf('\n', at) + 1;
                    int lineEnd = text.indexOf('\n', at);
                    String line = text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd)
                            .replace(secret, "<" + secret.length() + "-char secret>");
                    hits.add(f.getFileName() + ": " + (line.length() > 300 ? line.substring(0, 300) : line));
                }
            }
        }
        System.out.printf("log scan: %d secrets searched for in %d broker outputs (%,d characters)%n", secrets.size(),
                files.size(), bytes);
        assertTrue(secrets.size() > 50 && files.size() > 5, "too little to prove anything: " + secrets.size()
                + " secrets, " + files.size() + " logs");
        assertTrue(hits.isEmpty(), hits.size() + " secrets in broker output:\n" + String.join("\n", hits));
    }

    private static String withoutDevBanner(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            if (!line.startsWith("Root Token: ") && !line.startsWith("Unseal Key: ")) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
