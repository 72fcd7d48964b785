package io.custos.broker.audit;

import io.custos.engine.sdk.EngineException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An audit device as declared — in the server configuration ({@code custos.audit.devices}) or
 * through {@code sys/audit/:path} — with Vault's file-device options: {@code file_path} (a file,
 * {@code stdout} or {@code discard}), {@code mode}, {@code hmac_accessor}, {@code log_raw} (off
 * only), {@code format} ({@code json} only), and Custos's {@code fsync}. Everything an operator
 * sends is checked here, before anything is opened or stored.
 */
public record AuditDeviceSpec(String path, String type, String description, Map<String, String> options,
        boolean local, boolean configured) {

    /** A device's name: its path in {@code sys/audit/}, without the trailing slash. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    static final String STDOUT = "stdout";
    static final String DISCARD = "discard";
    private static final Set<String> KNOWN_OPTIONS = Set.of("file_path", "path", "mode", "hmac_accessor", "log_raw",
            "format", "fsync", "prefix", "elide_list_responses");
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");

    public AuditDeviceSpec {
        options = Map.copyOf(options);
        description = description == null ? "" : description;
    }

    /** A device from {@code sys/audit/:path}: every field and option checked, or a 400 naming the problem. */
    public static AuditDeviceSpec fromApi(String rawPath, String type, String description, Map<String, Object> options,
            boolean local) {
        String name = rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
        if (!NAME.matcher(name).matches()) {
            throw EngineException.badRequest("invalid audit path \"" + rawPath + "\": letters, digits, '.', '_' and '-' "
                    + "only, 128 at most, starting with a letter or digit");
        }
        if (type == null || type.isBlank()) {
            throw EngineException.badRequest("type is required");
        }
        if (!"file".equals(type)) {
            throw EngineException.badRequest("unknown backend type: \"" + type + "\"");
        }
        Map<String, String> opts = new TreeMap<>();
        if (options != null) {
            options.forEach((k, v) -> {
                if (v instanceof Map<?, ?> || v instanceof List<?>) {
                    throw EngineException.badRequest("options must be string valued");
                }
                opts.put(k, v == null ? "" : String.valueOf(v));
            });
        }
        if (!opts.containsKey("file_path") && opts.containsKey("path")) {
            opts.put("file_path", opts.remove("path"));
        }
        AuditDeviceSpec spec = new AuditDeviceSpec(name, type, description, opts, local, false);
        spec.validate();
        return spec;
    }

    /** A device from the server configuration (checked at start-up, where a problem stops the broker). */
    static AuditDeviceSpec fromConfig(AuditDeviceConfiguration c) {
        Map<String, String> opts = new LinkedHashMap<>();
        if (c.getPath() != null) {
            opts.put("file_path", c.getPath());
        }
        opts.put("fsync", c.getFsync() == null ? "interval" : c.getFsync());
        return new AuditDeviceSpec(c.getName(), c.getType(), "", opts, false, true);
    }

    void validate() {
        List<String> unknown = options.keySet().stream().filter(k -> !KNOWN_OPTIONS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw EngineException.badRequest("unknown option(s) for a file audit device: " + String.join(", ", unknown));
        }
        String file = options.get("file_path");
        if (file == null || file.isBlank()) {
            throw EngineException.badRequest("file_path is required");
        }
        if (!file.equals(STDOUT) && !file.equals(DISCARD) && !path(file, "file_path").isAbsolute()) {
            throw EngineException.badRequest("file_path must be an absolute path, \"stdout\" or \"discard\", not \""
                    + file + "\"");
        }
        String mode = options.get("mode");
        if (mode != null && !MODE.matcher(mode).matches()) {
            throw EngineException.badRequest("mode must be an octal file mode such as 0600, not \"" + mode + "\"");
        }
        if (bool("log_raw", false)) {
            throw EngineException.badRequest("log_raw is not supported: Custos never logs request or response "
                    + "values in clear");
        }
        if (bool("elide_list_responses", false)) {
            throw EngineException.badRequest("elide_list_responses is not supported");
        }
        bool("hmac_accessor", true);
        String format = options.getOrDefault("format", "json");
        if (!format.equals("json")) {
            throw EngineException.badRequest("format \"" + format + "\" is not supported: only json");
        }
        if (!options.getOrDefault("prefix", "").isEmpty()) {
            throw EngineException.badRequest("prefix is not supported: each line is one JSON object of the chain");
        }
        try {
            FileAuditDevice.Fsync.parse(options.get("fsync"));
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest(e.getMessage());
        }
    }

    /** {@code text} as a path, or a 400 naming {@code field} (a NUL character, for one, is no path). */
    static Path path(String text, String field) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw EngineException.badRequest(field + " is not a valid path: " + e.getReason());
        }
    }

    private boolean bool(String option, boolean dflt) {
        String v = options.get(option);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t" -> true;
            case "false", "0", "f" -> false;
            default -> throw EngineException.badRequest(option + " must be true or false, not \"" + v + "\"");
        };
    }

    /** Whether the token accessor is logged as its HMAC (Vault's default) rather than in clear. */
    boolean hmacAccessor() {
        return bool("hmac_accessor", true);
    }

    String filePath() {
        return options.get("file_path");
    }

    /** The file, or null for {@code stdout} and {@code discard}. */
    Path file() {
        String f = filePath();
        return f.equals(STDOUT) || f.equals(DISCARD) ? null : Path.of(f).toAbsolutePath().normalize();
    }

    /**
     * Refuses a file a device enabled through the API must not touch: one that exists and is not a
     * regular file (a device node, a directory), or that holds something other than a Custos audit
     * chain (it would be moved aside), or whose directory is missing.
     */
    void checkFileForApi() {
        Path f = file();
        if (f == null) {
            return;
        }
        try {
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    throw EngineException.badRequest("file_path " + f + " exists and is not a regular file");
                }
                if (Files.size(f) > 0 && AuditChain.fileId(f) == null) {
                    throw EngineException.badRequest("file_path " + f + " exists and is not a Custos audit file");
                }
            } else if (f.getParent() == null || !Files.isDirectory(f.getParent())) {
                throw EngineException.badRequest("file_path " + f + ": its directory does not exist");
            }
        } catch (IOException e) {
            throw EngineException.badRequest("sanity check failed; unable to open \"" + f + "\" for writing: "
                    + e.getMessage());
        }
    }

    FileAuditDevice open(Clock clock) {
        FileAuditDevice.Fsync fsync = FileAuditDevice.Fsync.parse(options.get("fsync"));
        return switch (filePath()) {
            case STDOUT -> new FileAuditDevice(path, null, Channels.newChannel(new FileOutputStream(FileDescriptor.out)),
                    null, fsync, clock);
            case DISCARD -> new FileAuditDevice(path, null, Channels.newChannel(OutputStream.nullOutputStream()),
                    null, fsync, clock);
            default -> new FileAuditDevice(path, file(), null, permissions(), fsync, clock);
        };
    }

    /** The {@code mode} option as permissions; null (0600 on creation, left alone after) when unset or 0000. */
    private Set<PosixFilePermission> permissions() {
        String mode = options.get("mode");
        if (mode == null) {
            return null;
        }
        int bits = Integer.parseInt(mode, 8);
        if (bits == 0) {
            return null;
        }
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            s.append((bits & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /** As {@code sys/audit} lists it. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("description", description);
        m.put("options", new TreeMap<>(options));
        m.put("path", path + "/");
        m.put("local", local);
        return m;
    }
}
