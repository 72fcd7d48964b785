package io.custos.broker.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dev mode on external storage keeps its unseal key in a file only its owner can read, from the first byte. */
class DevServerTest {
    @TempDir
    Path home;

    @Test
    void theUnsealKeyFileIsCreated0600InA0700DirectoryAndRefusedWhenOthersCanReadIt() throws Exception {
        Path dir = home.resolve("custos-dev");
        Map<String, String> env = Map.of("CUSTOS_STORAGE_URL", "jdbc:postgresql://127.0.0.1:1/x",
                "CUSTOS_DEV_DIR", dir.toString());
        Object key = new DevServer().prepare("127.0.0.1:8200", env).get("custos.seal.key");
        Path file = dir.resolve("unseal-key");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key, new DevServer().prepare("127.0.0.1:8200", env).get("custos.seal.key"), "read back");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new DevServer().prepare("127.0.0.1:8200", env));
        assertTrue(e.getMessage().contains("readable by others"), e.getMessage());
    }
}
