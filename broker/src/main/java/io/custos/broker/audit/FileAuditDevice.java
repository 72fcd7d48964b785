package io.custos.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * An append-only JSON-lines audit file (mode 0600) carrying the {@link AuditChain}: a genesis
 * record when the file is new, then every entry with its seq and the HMAC of the line before.
 *
 * <p>On reopen it continues the chain from the last complete line; a torn last line (a crash or
 * a full disk mid-write) is cut off and a {@code truncated} record says how many bytes went, so
 * one bad write never blocks every later request. A file from before the HMAC chain is moved
 * aside ({@code .pre-hmac-<millis>}) and a new chain begins. Each line is written before the
 * request proceeds; durability follows the device's {@link Fsync} policy. About once a second the
 * device hands a {@link AuditChain.Checkpoint} to be stored behind the barrier.
 */
final class FileAuditDevice {
    /** When written lines are forced to the disk. */
    enum Fsync {
        /** After every line: nothing acknowledged is lost in a power cut; slowest. */
        ALWAYS,
        /** At most once per second, and on close (the default): a power cut loses at most ~1 s. */
        INTERVAL,
        /** Left to the operating system. */
        NEVER;

        static Fsync parse(String s) {
            try {
                return valueOf(s == null ? "INTERVAL" : s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("fsync must be always, interval or never, not \"" + s + "\"");
            }
        }
    }

    static final long SYNC_INTERVAL_NANOS = 1_000_000_000L;
    static final long CHECKPOINT_INTERVAL_NANOS = 1_000_000_000L;

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final String name;
    private final Path path;
    private final WritableByteChannel stream;
    private final Set<PosixFilePermission> mode;
    private final Fsync fsync;
    private final Clock clock;
    private WritableByteChannel channel;
    private FileChannel file;
    private String fileId;
    private long seq;
    private String prevMac = "";
    private long lastSync;
    private long lastCheckpoint;
    private long checkpointedSeq;

    FileAuditDevice(String name, Path path, Fsync fsync, Clock clock) {
        this(name, path, null, null, fsync, clock);
    }

    /**
     * A device writing to {@code path} (created with {@code mode}, or 0600 when null; an existing
     * file is set to {@code mode} when one is given), or to {@code stream} (the process's standard
     * output, or nowhere) when {@code path} is null: a stream is only ever appended to.
     */
    FileAuditDevice(String name, Path path, WritableByteChannel stream, Set<PosixFilePermission> mode, Fsync fsync,
            Clock clock) {
        this.name = name;
        this.path = path;
        this.stream = stream;
        this.mode = mode;
        this.fsync = fsync;
        this.clock = clock;
    }

    String name() {
        return name;
    }

    Path path() {
        return path;
    }

    Fsync fsync() {
        return fsync;
    }

    /** Appends one entry; {@code checkpoints} receives a checkpoint now and then. */
    synchronized void write(Map<String, Object> entry, byte[] chainKey, Consumer<AuditChain.Checkpoint> checkpoints)
            throws IOException {
        if (channel == null) {
            open(chainKey);
        }
        append(entry, chainKey);
        long now = System.nanoTime();
        if (file != null
                && (fsync == Fsync.ALWAYS || (fsync == Fsync.INTERVAL && now - lastSync >= SYNC_INTERVAL_NANOS))) {
            file.force(false);
            lastSync = now;
        }
        if (seq > checkpointedSeq && now - lastCheckpoint >= CHECKPOINT_INTERVAL_NANOS) {
            checkpoint(checkpoints);
            lastCheckpoint = now;
        }
    }

    /** Opens the file (or stream) now, continuing its chain or writing a genesis record; a no-op once open. */
    synchronized void start(byte[] chainKey) throws IOException {
        if (channel == null) {
            open(chainKey);
        }
    }

    /** Hands over a checkpoint of the last line written, if there is a new one. */
    synchronized void checkpoint(Consumer<AuditChain.Checkpoint> checkpoints) {
        if (channel != null && seq > checkpointedSeq) {
            checkpoints.accept(new AuditChain.Checkpoint(fileId, seq, prevMac));
            checkpointedSeq = seq;
        }
    }

    private void append(Map<String, Object> entry, byte[] chainKey) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("seq", seq + 1);
        line.put("prev", prevMac);
        line.putAll(entry);
        byte[] bytes = Json.write(line);
        ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        seq++;
        prevMac = AuditChain.mac(chainKey, bytes);
    }

    /** Opens for append, continuing the chain (or starting one), cutting a torn last line first. */
    private void open(byte[] chainKey) throws IOException {
        if (path == null) {
            channel = stream;
            begin(chainKey);
            return;
        }
        boolean regular = !Files.exists(path) || Files.isRegularFile(path);
        if (regular && Files.exists(path) && Files.size(path) > 0 && AuditChain.fileId(path) == null) {
            Files.move(path, path.resolveSibling(path.getFileName() + ".pre-hmac-" + clock.millis()),
                    StandardCopyOption.ATOMIC_MOVE);
        }
        if (!Files.exists(path)) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(mode == null ? OWNER_ONLY : mode));
        } else if (mode != null && regular) {
            Files.setPosixFilePermissions(path, mode);
        }
        // a device or pipe (not a regular file) is only ever written: nothing to continue from
        file = regular ? FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        channel = file;
        Tail tail = regular ? Tail.of(file) : Tail.EMPTY;
        if (tail.last() == null) {
            if (regular) {
                file.truncate(0);
                file.position(0);
            }
            begin(chainKey);
            return;
        }
        if (tail.cutAt() < file.size()) {
            file.truncate(tail.cutAt());
        }
        file.position(file.size());
        fileId = AuditChain.fileId(path);
        JsonNode n = Json.MAPPER.readTree(tail.last());
        seq = n.path("seq").asLong();
        prevMac = AuditChain.mac(chainKey, tail.last());
        checkpointedSeq = 0;
        if (tail.dropped() > 0) {
            Map<String, Object> marker = new LinkedHashMap<>();
            marker.put("type", AuditChain.TRUNCATED);
            marker.put("dropped_bytes", tail.dropped());
            marker.put("time", clock.instant().toString());
            append(marker, chainKey);
            file.force(false);
        }
    }

    /** Starts a new chain: a genesis record naming a fresh file id. */
    private void begin(byte[] chainKey) throws IOException {
        fileId = UUID.randomUUID().toString();
        seq = 0;
        prevMac = "";
        checkpointedSeq = 0;
        Map<String, Object> genesis = new LinkedHashMap<>();
        genesis.put("type", AuditChain.GENESIS);
        genesis.put("file_id", fileId);
        genesis.put("device", name);
        genesis.put("time", clock.instant().toString());
        append(genesis, chainKey);
        if (file != null) {
            file.force(false);
        }
    }

    /**
     * The end of an existing file, read backwards (never the whole file): its last complete entry,
     * where the file should end (after it), and how many bytes after that are dropped — a torn last
     * line, or a last line that is not an entry. Empty when the file holds no complete entry.
     */
    record Tail(byte[] last, long cutAt, long dropped) {
        static final Tail EMPTY = new Tail(null, 0, 0);
        private static final int BLOCK = 64 * 1024;

        static Tail of(FileChannel ch) throws IOException {
            long size = ch.size();
            long end = size;
            long dropped = 0;
            for (int attempt = 0; attempt < 2; attempt++) {
                long nl = lastNewlineBefore(ch, end);
                if (nl < 0) {
                    return EMPTY;
                }
                long start = lastNewlineBefore(ch, nl) + 1;
                byte[] line = readRange(ch, start, nl);
                if (isEntry(line)) {
                    return new Tail(line, nl + 1, size - (nl + 1));
                }
                end = start; // the last line is not an entry: drop it too and look at the one before
                dropped = size - start;
            }
            return new Tail(null, end, dropped);
        }

        /** Offset of the last '\n' strictly before {@code end}, or -1. */
        private static long lastNewlineBefore(FileChannel ch, long end) throws IOException {
            long pos = end;
            ByteBuffer buf = ByteBuffer.allocate(BLOCK);
            while (pos > 0) {
                int len = (int) Math.min(BLOCK, pos);
                buf.clear().limit(len);
                ch.read(buf, pos - len);
                for (int i = len - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        return pos - len + i;
                    }
                }
                pos -= len;
            }
            return -1;
        }

        private static byte[] readRange(FileChannel ch, long from, long to) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, to - from));
            while (buf.hasRemaining()) {
                if (ch.read(buf, from + buf.position()) < 0) {
                    break;
                }
            }
            return buf.array();
        }
    }

    private static boolean isEntry(byte[] line) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            return n != null && n.has("seq") && n.has("prev");
        } catch (IOException e) {
            return false;
        }
    }

    /** Forces and closes the file; a stream (standard output) is left open, its chain ends here. */
    synchronized void close() {
        if (file != null) {
            try {
                if (fsync != Fsync.NEVER) {
                    file.force(false);
                }
                file.close();
            } catch (IOException e) {
                // closing at shutdown or seal: nothing left to report to
            }
            file = null;
        }
        channel = null;
    }
}
