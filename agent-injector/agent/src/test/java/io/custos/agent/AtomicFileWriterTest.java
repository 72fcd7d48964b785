package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written whole, with their mode, only on change; files of one batch put in place together. */
class AtomicFileWriterTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    @Test
    void writesWithItsModeAndOnlyWhenTheBytesChange() throws Exception {
        Path f = dir.resolve("sub/secret");
        assertThrows(IOException.class, () -> AtomicFileWriter.write(f, b("a"), 0600, false, false));
        assertTrue(AtomicFileWriter.write(f, b("a"), 0600, true, false));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertFalse(AtomicFileWriter.write(f, b("a"), 0640, true, false), "same bytes: not rewritten");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), "the mode follows");
        assertTrue(AtomicFileWriter.write(f, b("b"), 0640, true, true));
        assertEquals("b", Files.readString(f));
        assertEquals("a", Files.readString(dir.resolve("sub/secret.bak")));
    }

    @Test
    void aBatchPutsEveryFileInPlaceOnlyAtCommit() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, "old cert");
        Files.writeString(key, "old key");
        try (AtomicFileWriter.Batch batch = new AtomicFileWriter.Batch()) {
            AtomicFileWriter.Staged c = batch.stage(cert, b("new cert"), 0644, false, false);
            AtomicFileWriter.Staged k = batch.stage(key, b("new key"), 0600, false, false);
            Files.writeString(dir.resolve("ca.pem"), "ca");
            assertNull(batch.stage(dir.resolve("ca.pem"), b("ca"), 0644, false, false), "unchanged: nothing staged");
            assertEquals("old cert", Files.readString(cert), "staged, not yet in place");
            assertEquals("old key", Files.readString(key));
            assertEquals(2, temporaries());
            batch.commit();
            assertTrue(c.committed() && k.committed());
        }
        assertEquals("new cert", Files.readString(cert));
        assertEquals("new key", Files.readString(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(0, temporaries());
    }

    @Test
    void whatIsDiscardedOrNotCommittedLeavesNoTrace() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Files.writeString(cert, "old cert");
        try (AtomicFileWriter.Batch batch = new AtomicFileWriter.Batch()) {
            AtomicFileWriter.Staged c = batch.stage(cert, b("new cert"), 0644, false, false);
            batch.stage(dir.resolve("key.pem"), b("new key"), 0600, false, false);
            batch.discard(c);
            assertEquals(1, temporaries());
        }
        assertEquals(0, temporaries(), "closed without commit: the staged files are gone");
        assertEquals("old cert", Files.readString(cert));
        assertFalse(Files.exists(dir.resolve("key.pem")));
    }
}
