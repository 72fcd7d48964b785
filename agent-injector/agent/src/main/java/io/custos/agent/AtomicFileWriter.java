package io.custos.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes a rendered file the way an application can rely on: only when its bytes change; into a
 * temporary file in the destination's directory, fsynced, with its permissions set before the
 * rename that replaces the old file atomically — so a reader sees the old or the new file, never
 * half of one, and never a secret with looser permissions.
 */
public final class AtomicFileWriter {
    private AtomicFileWriter() {
    }

    /** Writes {@code content} to {@code destination}; false when the file already held exactly that. */
    public static boolean write(Path destination, byte[] content, int mode, boolean createDirs, boolean backup)
            throws IOException {
        Path dest = destination.toAbsolutePath();
        if (Files.isRegularFile(dest) && Arrays.equals(Files.readAllBytes(dest), content)) {
            ensureMode(dest, mode);
            return false;
        }
        Path dir = dest.getParent();
        if (createDirs && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + dest.getFileName() + ".", ".tmp");
        try {
            setMode(tmp, mode);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            if (backup && Files.isRegularFile(dest)) {
                Files.copy(dest, dir.resolve(dest.getFileName() + ".bak"), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.COPY_ATTRIBUTES);
            }
            try {
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void ensureMode(Path p, int mode) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(p).equals(permissions(mode))) {
                setMode(p, mode);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the mode cannot be expressed there
        }
    }

    static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, permissions(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to set
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(order[i]);
            }
        }
        return out;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems refuse to open a directory for syncing: the rename itself is durable enough there
        }
    }
}
