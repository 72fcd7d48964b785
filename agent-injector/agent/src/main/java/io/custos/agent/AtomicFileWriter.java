package io.custos.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Writes a rendered file the way an application can rely on: only when its bytes change; into a
 * temporary file in the destination's directory, fsynced, with its permissions set before the
 * rename that replaces the old file atomically — so a reader sees the old or the new file, never
 * half of one, and never a secret with looser permissions.
 *
 * <p>Several files that belong together (certificate, key and CA from one issue) go through one
 * {@link Batch}: every new file is written and fsynced first, and only then are they renamed into
 * place one after the other, with nothing slow in between — the moment a reader could see a new
 * certificate beside the old key shrinks from several fsyncs to a few renames (microseconds).
 * POSIX offers no rename of several files at once; an application that must never see a mixed
 * pair renders them into one file (consul-template's advice) or reacts to the {@code command}.
 */
public final class AtomicFileWriter {
    private static final Logger LOG = Logger.getLogger(AtomicFileWriter.class.getName());

    private AtomicFileWriter() {
    }

    /** Writes {@code content} to {@code destination}; false when the file already held exactly that. */
    public static boolean write(Path destination, byte[] content, int mode, boolean createDirs, boolean backup)
            throws IOException {
        try (Batch batch = new Batch()) {
            Staged s = batch.stage(destination, content, mode, createDirs, backup);
            batch.commit();
            return s != null;
        }
    }

    /** A new file written and fsynced beside its destination, not yet in place. */
    public static final class Staged {
        private final Path destination;
        private final Path temporary;
        private final boolean backup;
        private boolean committed;

        private Staged(Path destination, Path temporary, boolean backup) {
            this.destination = destination;
            this.temporary = temporary;
            this.backup = backup;
        }

        public boolean committed() {
            return committed;
        }
    }

    /** Files staged together and put in place together; what is not committed is removed on close. */
    public static final class Batch implements AutoCloseable {
        private final List<Staged> staged = new ArrayList<>();

        /** Writes the new content beside {@code destination}; null when the file already holds exactly that. */
        public Staged stage(Path destination, byte[] content, int mode, boolean createDirs, boolean backup)
                throws IOException {
            Path dest = destination.toAbsolutePath();
            if (Files.isRegularFile(dest) && Arrays.equals(Files.readAllBytes(dest), content)) {
                ensureMode(dest, mode);
                return null;
            }
            Path dir = dest.getParent();
            if (createDirs && !Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, "." + dest.getFileName() + ".", ".tmp");
            Staged s = new Staged(dest, tmp, backup);
            staged.add(s);
            setMode(tmp, mode);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(content));
                ch.force(true);
            }
            return s;
        }

        /** Drops a staged file (its temporary file is removed); null is ignored. */
        public void discard(Staged s) {
            if (s != null && staged.remove(s)) {
                remove(s.temporary);
            }
        }

        /** Backs up and renames every staged file into place, then syncs their directories. */
        public void commit() throws IOException {
            for (Staged s : staged) {
                if (s.backup && Files.isRegularFile(s.destination)) {
                    Files.copy(s.destination, s.destination.resolveSibling(s.destination.getFileName() + ".bak"),
                            StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            Set<Path> dirs = new LinkedHashSet<>();
            for (Staged s : staged) {
                try {
                    Files.move(s.temporary, s.destination, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(s.temporary, s.destination, StandardCopyOption.REPLACE_EXISTING);
                }
                s.committed = true;
                dirs.add(s.destination.getParent());
            }
            dirs.forEach(AtomicFileWriter::syncDirectory);
        }

        @Override
        public void close() {
            for (Staged s : staged) {
                if (!s.committed) {
                    remove(s.temporary);
                }
            }
        }

        private static void remove(Path temporary) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException e) {
                LOG.warning("could not remove the temporary file " + temporary + ": " + e.getMessage());
            }
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
