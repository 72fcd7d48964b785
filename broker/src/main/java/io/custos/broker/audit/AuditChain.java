package io.custos.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash chain of an audit file: every line carries {@code seq} (1, 2, 3, ...) and {@code prev},
 * the SHA-256 of the previous line's bytes. {@link #verify} walks a file and names the first line
 * that was edited (the next line's {@code prev} no longer matches it), deleted (a gap in
 * {@code seq}) or inserted (a repeated {@code seq}).
 */
public final class AuditChain {
    private AuditChain() {
    }

    /** The outcome of a verification: ok, or the first bad line (1-based) and what is wrong. */
    public record Result(boolean ok, long lines, long badLine, String problem) {
    }

    static String sha256(byte[] line) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(line));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Result verify(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String prevHash = "";
        long prevSeq = 0;
        for (int i = 0; i < lines.size(); i++) {
            long lineNo = i + 1;
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(lines.get(i));
            } catch (IOException e) {
                return new Result(false, lines.size(), lineNo, "not a JSON audit entry (edited)");
            }
            if (node == null || !node.has("seq") || !node.has("prev")) {
                return new Result(false, lines.size(), lineNo, "missing seq/prev (inserted or edited)");
            }
            long seq = node.get("seq").asLong();
            String prev = node.get("prev").asText();
            if (seq <= prevSeq) {
                return new Result(false, lines.size(), lineNo, "sequence " + seq + " repeats or goes back (inserted line)");
            }
            if (seq > prevSeq + 1 && i > 0) {
                return new Result(false, lines.size(), lineNo, (seq - prevSeq - 1) + " line(s) deleted before this one");
            }
            if (i > 0 && !prev.equals(prevHash)) {
                return new Result(false, lines.size(), lineNo - 1, "edited (the next line's prev hash does not match)");
            }
            prevHash = sha256(lines.get(i).getBytes(StandardCharsets.UTF_8));
            prevSeq = seq;
        }
        return new Result(true, lines.size(), 0, "");
    }
}
