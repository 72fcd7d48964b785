package io.custos.broker.seal;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.storage.KeyringStore;
import io.custos.broker.storage.PhysicalStorage;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyring as it is stored: each term its own row in {@link KeyringStore}, AES-GCM under the
 * root key and bound to its term number (a row copied to another term fails). Terms are only ever
 * added, so any number of brokers can load, rotate and count against one database: a node learns
 * other nodes' terms by {@link #loadNewer reloading} and never writes back what it holds.
 */
@Singleton
public class StoredKeyring {
    private static final Logger LOG = LoggerFactory.getLogger(StoredKeyring.class);
    /** The single-document keyring of releases before the per-term table; imported once. */
    static final String LEGACY_KEYRING = "keyring";
    private static final byte[] LEGACY_AAD = "custos/keyring".getBytes(StandardCharsets.UTF_8);

    private final KeyringStore store;
    private final PhysicalStorage physical;
    private final Clock clock;

    public StoredKeyring(KeyringStore store, PhysicalStorage physical, Clock clock) {
        this.store = store;
        this.physical = physical;
        this.clock = clock;
    }

    /** The keyring and every node's encryption counts per term. */
    public record Loaded(Keyring keyring, Map<Integer, Long> encryptions) {
    }

    /** A new installation's first term, replacing whatever an interrupted initialisation left. */
    Keyring create(byte[] root) {
        store.deleteAll();
        Keyring ring = Keyring.first(clock.instant());
        store.insertMissing(Map.of(1, seal(root, ring.active())));
        return ring;
    }

    /** Every stored term, decrypted; imports a keyring stored by an older release first. */
    Loaded load(byte[] root) {
        List<KeyringStore.StoredTerm> rows = store.loadAll();
        if (rows.isEmpty()) {
            importLegacy(root);
            rows = store.loadAll();
            if (rows.isEmpty()) {
                throw new IllegalStateException("storage is initialised but holds no keyring");
            }
        }
        Map<Integer, Long> counts = new TreeMap<>();
        List<Keyring.Term> terms = rows.stream().map(r -> {
            counts.put(r.term(), r.encryptions());
            return open(root, r);
        }).toList();
        return new Loaded(Keyring.of(terms), counts);
    }

    /** {@code current} plus every stored term it lacks (terms it holds are kept, not re-read). */
    Keyring loadNewer(byte[] root, Keyring current) {
        Keyring out = current;
        for (KeyringStore.StoredTerm r : store.loadAll()) {
            if (out.term(r.term()) == null) {
                out = out.with(open(root, r));
            }
        }
        return out;
    }

    /**
     * Adds a term after the highest stored one. With {@code expectedActive} set, only if no node
     * has added one since (automatic rotation: one node rotates, the others pick it up); empty
     * when that check failed.
     */
    Optional<Keyring.Term> addTerm(byte[] root, OptionalInt expectedActive) {
        Keyring.Term[] made = new Keyring.Term[1];
        OptionalInt added = store.insertNext(expectedActive, n -> {
            made[0] = Keyring.newTerm(n, clock.instant());
            return seal(root, made[0]);
        });
        return added.isPresent() ? Optional.of(made[0]) : Optional.empty();
    }

    /** Adds this node's unflushed encryption counts to storage; learns the totals of all nodes. */
    void flushCounts(AesGcmBarrier barrier) {
        Map<Integer, Long> delta = barrier.drainUnflushed();
        try {
            barrier.storedCounts(store.addEncryptions(delta));
        } catch (RuntimeException e) {
            barrier.restoreUnflushed(delta);
            throw e;
        }
    }

    private void importLegacy(byte[] root) {
        Optional<byte[]> legacy = physical.getCore(LEGACY_KEYRING);
        if (legacy.isEmpty()) {
            return;
        }
        Map<Integer, Keyring.Term> terms = Keyring.fromLegacyBytes(AesGcm.DATA.open(root, LEGACY_AAD, legacy.get()));
        Map<Integer, byte[]> sealed = new LinkedHashMap<>();
        terms.forEach((n, t) -> sealed.put(n, seal(root, t)));
        int n = store.insertMissing(sealed);
        terms.values().forEach(t -> t.key().destroy());
        LOG.info("imported {} keyring terms from the single-record keyring of an older release", n);
    }

    private static byte[] seal(byte[] root, Keyring.Term term) {
        byte[] plain = term.toBytes();
        try {
            return AesGcm.DATA.seal(root, aad(term.number()), plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static Keyring.Term open(byte[] root, KeyringStore.StoredTerm row) {
        return Keyring.Term.fromBytes(row.term(), AesGcm.DATA.open(root, aad(row.term()), row.sealed()));
    }

    private static byte[] aad(int term) {
        return ("custos/keyring/term/" + term).getBytes(StandardCharsets.UTF_8);
    }
}
