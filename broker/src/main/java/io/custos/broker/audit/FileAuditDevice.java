package io.custos.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An append-only JSON-lines audit file (mode 0600) continuing the hash chain of what it already
 * holds. Each write is flushed before the request proceeds; a failure to write is reported to
 * the caller, which fails closed.
 */
final class FileAuditDevice {
    private final String name;
    private final Path path;
    private long seq;
    private String prevHash = "";
    private OutputStream out;

    FileAuditDevice(String name, Path path) {
        this.name = name;
        this.path = path;
    }

    String name() {
        return name;
    }

    Path path() {
        return path;
    }

    synchronized void write(Map<String, Object> entry) throws IOException {
        if (out == null) {
            open();
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("seq", seq + 1);
        line.put("prev", prevHash);
        line.putAll(entry);
        byte[] bytes = Json.write(line);
        out.write(bytes);
        out.write('\n');
        out.flush();
        seq++;
        prevHash = AuditChain.sha256(bytes);
    }

    /** Opens for append, picking up the chain from the file's last line. */
    private void open() throws IOException {
        if (Files.exists(path)) {
            String last = lastLine();
            if (last != null && !last.isBlank()) {
                JsonNode n = Json.MAPPER.readTree(last);
                seq = n.path("seq").asLong();
                prevHash = AuditChain.sha256(last.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        out = Files.newOutputStream(path, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private String lastLine() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            long end = f.length() - 1;
            while (end >= 0) {
                f.seek(end);
                if (f.read() != '\n') {
                    break;
                }
                end--;
            }
            if (end < 0) {
                return null;
            }
            long start = end;
            while (start > 0) {
                f.seek(start - 1);
                if (f.read() == '\n') {
                    break;
                }
                start--;
            }
            byte[] buf = new byte[(int) (end - start + 1)];
            f.seek(start);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        }
    }

    synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // closing at shutdown
            }
            out = null;
        }
    }
}
