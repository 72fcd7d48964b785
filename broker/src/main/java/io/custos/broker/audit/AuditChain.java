package io.custos.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The chain of an audit file. The first line is a {@code genesis} record naming the file's
 * {@code file_id}; every line carries {@code seq} (1, 2, 3, ...) and {@code prev}, the
 * HMAC-SHA256 of the previous line's bytes under the device's chain key, which lives behind the
 * barrier — so whoever can write the file but not read the broker's storage cannot rebuild a
 * consistent chain after editing it. A {@code truncated} record marks where a torn last line was
 * cut away after a crash. Checkpoints (the seq and MAC of a line, stored behind the barrier while
 * the file is written) catch lines cut from the end.
 *
 * <p>{@link #verify} names the first line that was edited, deleted, inserted or cut.
 */
public final class AuditChain {
    static final String GENESIS = "genesis";
    static final String TRUNCATED = "truncated";

    private AuditChain() {
    }

    /** The outcome of a verification: ok, or the first bad line (1-based) and what is wrong. */
    public record Result(boolean ok, long lines, long badLine, String problem) {
        static Result bad(long lines, long line, String problem) {
            return new Result(false, lines, line, problem);
        }
    }

    /** The seq and MAC of a line, recorded behind the barrier as the file grew. */
    public record Checkpoint(String fileId, long seq, String mac) {
    }

    /** HMAC-SHA256 of a line under the chain key, hex. */
    static String mac(byte[] chainKey, byte[] line) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(chainKey, "HmacSHA256"));
            return HexFormat.of().formatHex(m.doFinal(line));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sees each line of a file in order; {@code terminated} is false only for a torn last line. */
    @FunctionalInterface
    interface LineVisitor {
        /** Returns a result to stop with, or null to go on. */
        Result visit(long lineNo, byte[] line, boolean terminated) throws IOException;
    }

    /** Streams a file's lines (any size: nothing but the current line is held). */
    static Result forEachLine(Path file, LineVisitor visitor) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            long lineNo = 0;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    Result r = visitor.visit(++lineNo, line.toByteArray(), true);
                    if (r != null) {
                        return r;
                    }
                    line.reset();
                } else {
                    line.write(b);
                }
            }
            if (line.size() > 0) {
                return visitor.visit(++lineNo, line.toByteArray(), false);
            }
            return null;
        }
    }

    /**
     * Verifies {@code file} with the device's chain key and (if any) the latest checkpoint stored
     * for it. Without the key only the structure (genesis, seq, torn lines) can be checked: pass null.
     */
    public static Result verify(Path file, byte[] chainKey, Checkpoint checkpoint) throws IOException {
        Verification v = new Verification(chainKey, checkpoint);
        Result early = forEachLine(file, v::line);
        return early != null ? early : v.end();
    }

    /** The state of one verification as it walks the file line by line. */
    private static final class Verification {
        private final byte[] chainKey;
        private final Checkpoint checkpoint;
        private long count;
        private long prevSeq;
        private String prevMac = "";
        private String fileId;
        private boolean checkpointSeen;

        Verification(byte[] chainKey, Checkpoint checkpoint) {
            this.chainKey = chainKey;
            this.checkpoint = checkpoint;
            this.checkpointSeen = checkpoint == null;
        }

        /** Checks one line; a result ends the walk with the first problem. */
        Result line(long lineNo, byte[] bytes, boolean terminated) {
            count = lineNo;
            if (!terminated) {
                return Result.bad(lineNo, lineNo, "torn last line (a crash mid-write; the broker cuts it on reopen)");
            }
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(bytes);
            } catch (IOException e) {
                return Result.bad(lineNo, lineNo, "not a JSON audit entry (edited)");
            }
            if (node == null || !node.has("seq") || !node.has("prev")) {
                return Result.bad(lineNo, lineNo, "missing seq/prev (inserted or edited)");
            }
            long seq = node.get("seq").asLong();
            Result chained = lineNo == 1 ? genesis(node, seq) : chained(lineNo, seq, node.get("prev").asText());
            if (chained != null) {
                return chained;
            }
            prevMac = chainKey == null ? "" : mac(chainKey, bytes);
            prevSeq = seq;
            if (checkpoint != null && checkpoint.fileId().equals(fileId) && seq == checkpoint.seq()) {
                if (chainKey != null && !MessageDigest.isEqual(prevMac.getBytes(StandardCharsets.US_ASCII),
                        checkpoint.mac().getBytes(StandardCharsets.US_ASCII))) {
                    return Result.bad(lineNo, lineNo, "edited (does not match the checkpoint stored for seq " + seq + ")");
                }
                checkpointSeen = true;
            }
            return null;
        }

        private Result genesis(JsonNode node, long seq) {
            if (seq != 1 || !GENESIS.equals(node.path("type").asText()) || !node.get("prev").asText().isEmpty()) {
                return Result.bad(1, 1, "the file does not start with its genesis record (lines cut from the start)");
            }
            fileId = node.path("file_id").asText();
            return null;
        }

        private Result chained(long lineNo, long seq, String prev) {
            if (seq <= prevSeq) {
                return Result.bad(lineNo, lineNo, "sequence " + seq + " repeats or goes back (inserted line)");
            }
            if (seq > prevSeq + 1) {
                return Result.bad(lineNo, lineNo, (seq - prevSeq - 1) + " line(s) deleted before this one");
            }
            if (chainKey != null && !MessageDigest.isEqual(prev.getBytes(StandardCharsets.US_ASCII),
                    prevMac.getBytes(StandardCharsets.US_ASCII))) {
                return Result.bad(lineNo, lineNo - 1, "edited (the next line's prev MAC does not match)");
            }
            return null;
        }

        /** After the last line: nothing cut from the end that a checkpoint knows of. */
        Result end() {
            if (count == 0) {
                return Result.bad(0, 1, "empty: not even the genesis record (cut from the start)");
            }
            if (!checkpointSeen && checkpoint.fileId().equals(fileId)) {
                return Result.bad(count, count + 1, "lines cut from the end: the file stops at seq " + prevSeq
                        + " but the broker checkpointed seq " + checkpoint.seq());
            }
            return new Result(true, count, 0, chainKey == null ? "structure only: MACs not checked without the chain key"
                    : "");
        }
    }

    /** The genesis record's file id, or null when the file has none (it reads the first line only). */
    static String fileId(Path file) throws IOException {
        String[] id = {null};
        forEachLine(file, (lineNo, bytes, terminated) -> {
            try {
                JsonNode first = Json.MAPPER.readTree(bytes);
                if (first != null && GENESIS.equals(first.path("type").asText())) {
                    id[0] = first.path("file_id").asText();
                }
            } catch (IOException e) {
                // not a genesis record
            }
            return new Result(true, 1, 0, ""); // stop after the first line
        });
        return id[0];
    }
}
