package io.custos.broker.dev;

import io.custos.broker.crypto.Drbg;
import io.custos.broker.mount.MountTable;
import io.custos.broker.seal.Core;
import io.custos.broker.seal.InitResult;
import io.custos.broker.token.TokenStore;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Dev mode, as Vault's {@code -dev}: storage in an embedded PostgreSQL ({@link EmbeddedStorage},
 * present only in the dev jar) or {@code CUSTOS_STORAGE_URL},
 * plain HTTP on loopback, auto-unsealed with a static key, KV v2 at {@code secret/}, and the root
 * token and unseal key printed. Never for production: the keys are printed and kept in a file.
 */
public final class DevServer {
    public static final String DEFAULT_LISTEN_ADDRESS = "127.0.0.1:8200";
    private EmbeddedStorage embedded;

    /** Properties that make the server a dev server; starts embedded PostgreSQL if needed. */
    public Map<String, Object> prepare(String listenAddress, Map<String, String> env) {
        Map<String, Object> props = new LinkedHashMap<>();
        HostPort hp = HostPort.parse(listenAddress);
        props.put("custos.listener.host", hp.host());
        props.put("custos.listener.port", hp.port());
        props.put("custos.listener.tls-enabled", false);
        props.put("custos.seal.type", "static");
        props.put("custos.dev-mode", true);
        String external = env.get("CUSTOS_STORAGE_URL");
        if (external == null || external.isBlank()) {
            embedded = ServiceLoader.load(EmbeddedStorage.class).findFirst().orElseThrow(() -> new IllegalStateException(
                    "this jar has no embedded PostgreSQL (the production jar leaves it out): start dev mode with "
                    + "./custos server -dev, which runs the dev jar, or set CUSTOS_STORAGE_URL to a PostgreSQL of yours"));
            EmbeddedStorage.Connection c = embedded.start();
            props.put("custos.storage.url", c.jdbcUrl());
            props.put("custos.storage.user", c.user());
            props.put("custos.storage.password", c.password());
            props.put("custos.seal.key", Base64.getEncoder().encodeToString(Drbg.randomBytes(32)));
        } else {
            props.put("custos.seal.key", persistentDevKey(env));
        }
        return props;
    }

    /**
     * With external storage, data outlives the process, so the dev unseal key must too: from
     * {@code CUSTOS_DEV_UNSEAL_KEY}, else a 0600 file under {@code CUSTOS_DEV_DIR} (default ~/.custos-dev).
     */
    private static String persistentDevKey(Map<String, String> env) {
        String given = env.get("CUSTOS_DEV_UNSEAL_KEY");
        if (given != null && !given.isBlank()) {
            return given.trim();
        }
        Path dir = Path.of(env.getOrDefault("CUSTOS_DEV_DIR", System.getProperty("user.home") + "/.custos-dev"));
        Path file = dir.resolve("unseal-key");
        try {
            if (Files.exists(file)) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                    throw new IllegalStateException("the dev unseal key file " + file + " is readable by others ("
                            + PosixFilePermissions.toString(perms) + "); make it 0600 (chmod 600) or remove it");
                }
                return Files.readString(file, StandardCharsets.US_ASCII).trim();
            }
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            String key = Base64.getEncoder().encodeToString(Drbg.randomBytes(32));
            // created 0600 in one step: there is no moment at which another user could open it
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, key, StandardCharsets.US_ASCII);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the dev unseal key file " + file, e);
        }
    }

    /** Initialises (first run) or unseals, mounts secret/, and prints what a developer needs. */
    public void bootstrap(ApplicationContext ctx, String rootTokenId, String listenAddress) {
        Core core = ctx.getBean(Core.class);
        String rootToken;
        if (!core.isInitialized()) {
            InitResult init = core.initialize(1, 1, rootTokenId);
            rootToken = init.rootToken();
            ctx.getBean(MountTable.class).enable("secret/", "kv", "key/value secret storage",
                    Map.of("version", "2"), 0, 0);
        } else {
            core.autoUnseal();
            rootToken = rootTokenId != null ? ctx.getBean(TokenStore.class).createRootToken(rootTokenId)
                    : "(unchanged since the first start; pass -dev-root-token-id to set one)";
        }
        String seal = ctx.getProperty("custos.seal.key", String.class).orElse("");
        System.out.println();
        System.out.println("WARNING! dev mode is enabled! In this mode, Custos runs entirely unsealed");
        System.out.println("and stores its unseal key and root token where anyone on this machine can read them.");
        System.out.println();
        System.out.println("    export VAULT_ADDR='http://" + listenAddress + "'");
        System.out.println();
        System.out.println("Unseal Key: " + seal);
        System.out.println("Root Token: " + rootToken);
        System.out.println();
        System.out.flush();
    }

    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
