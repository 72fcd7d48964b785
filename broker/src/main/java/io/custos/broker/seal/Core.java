package io.custos.broker.seal;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.crypto.Drbg;
import io.custos.broker.storage.ClusterLock;
import io.custos.broker.storage.PhysicalStorage;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seal state machine: initialise (root key, first keyring term, unseal key split with Shamir
 * or wrapped by an auto-seal), unseal (collect shares until the threshold, reconstruct, verify by
 * decrypting the root key), seal (drop every key from memory), and keyring rotation.
 *
 * <p>Stored outside the barrier in {@code custos_core}: {@code seal-config} (public parameters),
 * {@code root-key} (AES-GCM under the unseal key or the auto-seal), {@code keyring} (AES-GCM under
 * the root key). All state changes are serialised on this object.
 */
@jakarta.inject.Singleton
public class Core {
    static final String SEAL_CONFIG = "seal-config";
    static final String ROOT_KEY = "root-key";
    /** An auto-seal's recovery key shares and threshold (public, in clear); absent when none were made. */
    static final String RECOVERY_CONFIG = "recovery-config";
    /** The recovery key, wrapped by the auto-seal. */
    static final String RECOVERY_KEY = "recovery-key";
    private static final Logger LOG = LoggerFactory.getLogger(Core.class);
    static final byte[] ROOT_KEY_AAD = "custos/root-key".getBytes(StandardCharsets.UTF_8);
    /** Held for sys/init, so one broker at a time initialises the shared storage ("custosin"). */
    public static final long INIT_LOCK = 0x6375_7374_6f73_696eL;

    /** Public seal parameters, stored in clear. */
    record SealConfig(String type, int secretShares, int secretThreshold) {
    }

    private final PhysicalStorage physical;
    private final StoredKeyring keyrings;
    private final ClusterLock initLock;
    private final AesGcmBarrier barrier;
    private final Optional<AutoSeal> autoSeal;
    private final RootTokenIssuer rootTokens;
    private final List<SealListener> listeners;

    private volatile boolean initialized;
    private volatile byte[] rootKey;
    private final List<byte[]> pendingShares = new ArrayList<>();
    private String unsealNonce = "";

    /** Creates the root token at initialisation (the token store; declared here so the seal depends on no store). */
    public interface RootTokenIssuer {
        /** A new root token, with {@code requestedId} as its id when given (dev mode). */
        String createRootToken(String requestedId);

        /** The length of a token {@link #createRootToken} makes without a requested id (root generation's OTP length). */
        int tokenLength();
    }

    public Core(PhysicalStorage physical, StoredKeyring keyrings, AesGcmBarrier barrier, Optional<AutoSeal> autoSeal,
            RootTokenIssuer rootTokens, List<SealListener> listeners, ClusterLock initLock) {
        this.physical = physical;
        this.initLock = initLock;
        this.keyrings = keyrings;
        this.barrier = barrier;
        this.autoSeal = autoSeal;
        this.rootTokens = rootTokens;
        List<SealListener> ordered = new ArrayList<>(listeners);
        ordered.sort(Comparator.comparingInt(SealListener::sealOrder));
        this.listeners = List.copyOf(ordered);
    }

    public boolean isInitialized() {
        return initialized || sealConfig().isPresent();
    }

    public boolean isSealed() {
        return barrier.isSealed();
    }

    /** Read from storage each time: a rekey on another broker changes the shares and the threshold. */
    Optional<SealConfig> sealConfig() {
        Optional<SealConfig> c = physical.getCore(SEAL_CONFIG).map(b -> Json.read(b, SealConfig.class));
        if (c.isPresent()) {
            initialized = true;
        }
        return c;
    }

    /** The auto-seal's recovery key configuration, when recovery keys were made. */
    Optional<SealConfig> recoveryConfig() {
        return physical.getCore(RECOVERY_CONFIG).map(b -> Json.read(b, SealConfig.class));
    }

    /** With an auto-seal and recovery keys, {@code t} and {@code n} are the recovery key's (as Vault reports them). */
    public synchronized SealStatus status() {
        SealConfig c = sealConfig().orElse(null);
        String type = autoSeal.map(AutoSeal::type).orElse("shamir");
        if (c == null) {
            return new SealStatus(type, false, true, 0, 0, 0, "", false);
        }
        SealConfig recovery = autoSeal.isPresent() ? recoveryConfig().orElse(null) : null;
        SealConfig shown = recovery != null ? recovery : c;
        return new SealStatus(c.type(), true, barrier.isSealed(), shown.secretThreshold(), shown.secretShares(),
                pendingShares.size(), unsealNonce, recovery != null);
    }

    /**
     * Initialises storage. Shamir: returns the shares and leaves the barrier sealed. Auto-seal:
     * returns no shares and unseals. {@code rootTokenId} fixes the root token (dev mode only).
     */
    public synchronized InitResult initialize(int shares, int threshold, String rootTokenId) {
        return initialize(shares, threshold, 0, 0, rootTokenId);
    }

    /**
     * As {@link #initialize(int, int, String)}; with an auto-seal, {@code recoveryShares} > 0 also
     * makes a recovery key, split into that many shares (for root generation and recovery rekeys).
     */
    public InitResult initialize(int shares, int threshold, int recoveryShares, int recoveryThreshold,
            String rootTokenId) {
        // every broker is active: two sys/init calls at once on two nodes would each write a keyring
        // and a root key over the other's, and hand out shares for a key that is not stored
        InitResult[] result = new InitResult[1];
        if (!initLock.runIfFree(INIT_LOCK,
                () -> result[0] = initializeAlone(shares, threshold, recoveryShares, recoveryThreshold, rootTokenId))) {
            throw EngineException.badRequest("Custos is being initialized by another broker");
        }
        return result[0];
    }

    private synchronized InitResult initializeAlone(int shares, int threshold, int recoveryShares,
            int recoveryThreshold, String rootTokenId) {
        if (isInitialized()) {
            throw EngineException.badRequest("Custos is already initialized");
        }
        if (autoSeal.isEmpty()) {
            validateShares(shares, threshold, "secret"); // recovery settings are ignored, as Vault's CLI sends them
        } else if (recoveryShares != 0 || recoveryThreshold != 0) {
            validateShares(recoveryShares, recoveryThreshold, "recovery");
        }
        List<byte[]> recovery = List.of();
        byte[] root = AesGcm.randomKeyBytes();
        List<byte[]> out = new ArrayList<>();
        byte[] wrappedRoot;
        if (autoSeal.isPresent()) {
            wrappedRoot = autoSeal.get().wrapRootKey(root);
            shares = 0;
            threshold = 0;
        } else {
            byte[] unsealKey = AesGcm.randomKeyBytes();
            wrappedRoot = AesGcm.DATA.seal(unsealKey, ROOT_KEY_AAD, root);
            out = OperatorKey.split(unsealKey, shares, threshold);
            Arrays.fill(unsealKey, (byte) 0);
        }
        keyrings.create(root).destroy();
        physical.putCore(ROOT_KEY, wrappedRoot);
        if (autoSeal.isPresent() && recoveryShares > 0) {
            byte[] recoveryKey = AesGcm.randomKeyBytes();
            recovery = OperatorKey.split(recoveryKey, recoveryShares, recoveryThreshold);
            physical.putCores(RECOVERY_KEY, autoSeal.get().wrapRecoveryKey(recoveryKey), RECOVERY_CONFIG,
                    Json.write(new SealConfig("shamir", recoveryShares, recoveryThreshold)));
            Arrays.fill(recoveryKey, (byte) 0);
        }
        SealConfig sc = new SealConfig(autoSeal.map(AutoSeal::type).orElse("shamir"), shares, threshold);
        // written last: its presence is what "initialised" means
        physical.putCore(SEAL_CONFIG, Json.write(sc));
        initialized = true;
        unsealWith(root);
        String rootToken = rootTokens.createRootToken(rootTokenId);
        if (autoSeal.isEmpty()) {
            seal();
        }
        return new InitResult(out, recovery, rootToken);
    }

    /** {@code what} is {@code secret} or {@code recovery}: the fields are {@code <what>_shares}, {@code <what>_threshold}. */
    static void validateShares(int shares, int threshold, String what) {
        if (shares < 1 || shares > 255) {
            throw EngineException.badRequest(what + "_shares must be between 1 and 255");
        }
        if (threshold < 1 || threshold > shares) {
            throw EngineException.badRequest(what + "_threshold must be between 1 and " + what + "_shares");
        }
        if (shares > 1 && threshold < 2) {
            throw EngineException.badRequest(what + "_threshold must be greater than one for multiple shares");
        }
    }

    Optional<AutoSeal> autoSeal() {
        return autoSeal;
    }

    /** Adds one key share (or, with an auto-seal, the seal key itself). */
    public synchronized SealStatus submitUnsealKey(byte[] key) {
        SealConfig c = sealConfig().orElseThrow(() -> EngineException.badRequest("Custos is not initialized"));
        if (!barrier.isSealed()) {
            return status();
        }
        if (autoSeal.isPresent()) {
            if (!autoSeal.get().matchesKey(key)) {
                throw EngineException.badRequest("unseal failed: the key is not this seal's key");
            }
            autoUnseal();
            return status();
        }
        int expected = c.secretShares() == 1 ? AesGcm.KEY_BYTES : AesGcm.KEY_BYTES + 1;
        if (key.length != expected) {
            throw EngineException.badRequest("unseal failed: a key share must be " + expected + " bytes, got "
                    + key.length);
        }
        for (byte[] s : pendingShares) {
            if (MessageDigest.isEqual(s, key)) { // constant time: pending shares are secret
                return status();
            }
        }
        if (pendingShares.isEmpty()) {
            unsealNonce = UUID.randomUUID().toString();
        }
        pendingShares.add(key.clone());
        if (pendingShares.size() < c.secretThreshold()) {
            return status();
        }
        byte[] unsealKey;
        try {
            unsealKey = c.secretShares() == 1 ? pendingShares.get(0).clone() : Shamir.combine(pendingShares);
        } catch (IllegalArgumentException e) {
            resetUnseal();
            throw EngineException.badRequest("unseal failed: " + e.getMessage());
        }
        resetUnseal();
        byte[] root;
        try {
            root = AesGcm.DATA.open(unsealKey, ROOT_KEY_AAD, physical.getCore(ROOT_KEY).orElseThrow());
        } catch (IntegrityException e) {
            throw EngineException.badRequest(
                    "unseal failed: the key shares do not reconstruct the unseal key (a share is wrong or corrupted)");
        } finally {
            Arrays.fill(unsealKey, (byte) 0);
        }
        unsealWith(root);
        return status();
    }

    public synchronized void resetUnseal() {
        pendingShares.forEach(s -> Arrays.fill(s, (byte) 0));
        pendingShares.clear();
        unsealNonce = "";
    }

    /** Unseals with the configured auto-seal, if there is one and storage is initialised. */
    public synchronized boolean autoUnseal() {
        if (autoSeal.isEmpty() || !isInitialized() || !barrier.isSealed()) {
            return false;
        }
        unsealWith(autoSeal.get().unwrapRootKey(physical.getCore(ROOT_KEY).orElseThrow()));
        return true;
    }

    /**
     * Opens the barrier with the keyring stored under {@code root}, then brings up what lives
     * behind it. If any of those steps fails the node goes back to sealed (no half-unsealed node
     * serves requests) and the real cause is logged before the failure is reported.
     */
    private void unsealWith(byte[] root) {
        StoredKeyring.Loaded loaded = keyrings.load(root);
        rootKey = root;
        barrier.unseal(loaded.keyring(), loaded.encryptions(), this::reloadKeyring);
        try {
            listeners.forEach(SealListener::onUnseal);
        } catch (RuntimeException e) {
            LOG.error("unseal failed after the keyring was loaded; sealing again", e);
            seal();
            throw e;
        }
    }

    /**
     * The stored keyring, for a barrier that met a term another node added. Not synchronised on
     * this object: it runs inside request threads while {@link #seal} may hold the monitor.
     */
    private Keyring reloadKeyring() {
        byte[] root = rootKey;
        if (root == null) {
            throw new SealedException();
        }
        return keyrings.loadNewer(root, barrier.keyring());
    }

    public synchronized void seal() {
        if (!barrier.isSealed()) {
            try {
                keyrings.flushCounts(barrier);
            } catch (RuntimeException e) {
                // storage is down: this node's last counts are lost, which only delays rotation
                LOG.warn("could not store encryption counts before sealing: {}", e.getMessage());
            }
        }
        for (int i = listeners.size() - 1; i >= 0; i--) {
            listeners.get(i).onSeal();
        }
        barrier.seal();
        physical.dropCaches();
        byte[] root = rootKey;
        rootKey = null;
        if (root != null) {
            Arrays.fill(root, (byte) 0);
        }
        resetUnseal();
    }

    /** sys/rotate: adds a term after the highest stored one (whoever added it) and makes it active here. */
    public synchronized Keyring.Term rotate() {
        return addTerm(OptionalInt.empty());
    }

    /**
     * Automatic rotation: adds a term only if {@code fromTerm} is still the highest stored (so N
     * nodes reaching the budget together add one term, not N); either way this node ends up on
     * the stored active term.
     */
    public synchronized Keyring.Term rotateFrom(int fromTerm) {
        return addTerm(OptionalInt.of(fromTerm));
    }

    /** The term this node made is installed as it is; terms other nodes added are read. */
    private Keyring.Term addTerm(OptionalInt expectedActive) {
        byte[] root = requireRootKey();
        Keyring held = barrier.keyring();
        Keyring withOwn = keyrings.addTerm(root, expectedActive).map(held::with).orElse(held);
        barrier.install(keyrings.loadNewer(root, withOwn));
        return barrier.keyring().active();
    }

    /**
     * Adds this node's encryption counts to the stored ones and picks up terms other nodes added
     * (periodically and before sealing): the stored counts name every stored term.
     */
    public void syncKeyring() {
        if (rootKey == null || barrier.isSealed()) {
            return;
        }
        keyrings.flushCounts(barrier);
        int highest = barrier.encryptionCounts().keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (highest > barrier.keyring().active().number()) {
            barrier.install(reloadKeyring());
        }
    }

    /** The root key while unsealed (for a rekey, which wraps it under a new unseal key). */
    byte[] requireRootKey() {
        byte[] root = rootKey;
        if (root == null || barrier.isSealed()) {
            throw new SealedException();
        }
        return root;
    }
}
