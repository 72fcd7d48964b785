package io.custos.broker.seal;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.engine.sdk.EngineException;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code sys/rekey} (the Shamir unseal key) and {@code sys/rekey-recovery-key} (an auto-seal's
 * recovery key): a threshold of the current shares authorises a new key split into new shares;
 * once it is in force the old shares open nothing. With {@code require_verification}, the new
 * key is held (behind the barrier) until a threshold of the new shares is presented back, so a
 * lost answer cannot lock the operators out; the old shares work until then. The attempt is
 * stored behind the barrier, so its shares may arrive at any broker.
 */
@Singleton
public class Rekey {
    private final Ceremony<Attempt> barrierKey;
    private final Ceremony<Attempt> recoveryKey;
    private final OperatorKey key;

    /** Which key: the unseal key (Shamir) or the recovery key (auto-seal). */
    public enum Target { UNSEAL_KEY, RECOVERY_KEY }

    /**
     * A rekey in progress: the new configuration, the old shares so far; once authorised with
     * verification required, the pending new key and the new shares presented back so far.
     */
    record Attempt(String nonce, int n, int t, boolean verification, List<String> shares, String pendingKey,
            String verificationNonce, List<String> verifyShares) {
        boolean verifying() {
            return pendingKey != null;
        }

        @Override
        public String toString() {
            return "Attempt[" + nonce + ", " + shares.size() + " shares" + (verifying() ? ", verifying" : "") + "]";
        }
    }

    public Rekey(BarrierStorage storage, OperatorKey key) {
        this.barrierKey = new Ceremony<>(storage, "core/seal/rekey", Attempt.class);
        this.recoveryKey = new Ceremony<>(storage, "core/seal/rekey-recovery", Attempt.class);
        this.key = key;
    }

    private Ceremony<Attempt> ceremony(Target target) {
        if (target == Target.UNSEAL_KEY && key.isRecovery()) {
            throw EngineException.badRequest("this broker is auto-sealed: its unseal key is the seal's; rekey the "
                    + "recovery key (sys/rekey-recovery-key)");
        }
        if (target == Target.RECOVERY_KEY && !key.isRecovery()) {
            throw EngineException.badRequest("recovery rekeying not supported: this broker uses Shamir unseal keys "
                    + "(sys/rekey)");
        }
        return target == Target.UNSEAL_KEY ? barrierKey : recoveryKey;
    }

    /** {@code GET sys/rekey/init}. */
    public Map<String, Object> status(Target target) {
        Attempt a = ceremony(target).read().value();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", a != null);
        m.put("nonce", a == null ? "" : a.nonce());
        m.put("t", a == null ? 0 : a.t());
        m.put("n", a == null ? 0 : a.n());
        m.put("progress", a == null ? 0 : a.shares().size());
        m.put("required", key.threshold());
        m.put("pgp_fingerprints", null);
        m.put("backup", false);
        m.put("verification_required", a != null && a.verification());
        m.put("verification_nonce", a != null && a.verifying() ? a.verificationNonce() : "");
        return m;
    }

    /** {@code PUT sys/rekey/init}. */
    public Map<String, Object> start(Target target, int shares, int threshold, boolean verification) {
        Ceremony<Attempt> c = ceremony(target);
        Core.validateShares(shares, threshold, "secret");
        key.threshold();
        Ceremony.Seen<Attempt> seen = c.read();
        Attempt a = new Attempt(UUID.randomUUID().toString(), shares, threshold, verification, List.of(), null, null,
                List.of());
        if (seen.inProgress() || !c.swap(seen, a)) {
            throw EngineException.badRequest("rekey already in progress");
        }
        return status(target);
    }

    /** {@code DELETE sys/rekey/init} (and {@code DELETE sys/rekey/verify}): the attempt ends, nothing changes. */
    public void cancel(Target target) {
        ceremony(target).end();
    }

    /**
     * {@code PUT sys/rekey/update}: one current share. At the threshold the shares are checked and
     * the new shares returned — in force at once, or (verification required) once verified.
     */
    public Map<String, Object> update(Target target, byte[] share, String nonce) {
        Ceremony<Attempt> c = ceremony(target);
        key.checkShareLength(share);
        for (int i = 0; i < 50; i++) {
            Ceremony.Seen<Attempt> seen = c.read();
            Attempt a = current(seen, nonce, false);
            if (Ceremony.contains(a.shares(), share)) {
                throw EngineException.badRequest("given key has already been provided during this generation operation");
            }
            List<String> shares = new ArrayList<>(a.shares());
            shares.add(Ceremony.encode(share));
            if (shares.size() < key.threshold()) {
                Attempt next = new Attempt(a.nonce(), a.n(), a.t(), a.verification(), shares, null, null, List.of());
                if (c.swap(seen, next)) {
                    return progress(a, shares.size());
                }
                continue;
            }
            key.verify(Ceremony.decode(shares)); // a wrong share leaves the attempt as it was
            OperatorKey.NewKey fresh = key.generate(a.n(), a.t());
            Attempt next = a.verification() ? new Attempt(a.nonce(), a.n(), a.t(), true, List.of(),
                    Ceremony.encode(fresh.key()), UUID.randomUUID().toString(), List.of()) : null;
            if (!c.swap(seen, next)) {
                continue;
            }
            if (!a.verification()) {
                key.install(fresh.key(), a.n(), a.t());
            }
            return completed(a, fresh, next);
        }
        throw new IllegalStateException("the rekey attempt kept changing");
    }

    private Attempt current(Ceremony.Seen<Attempt> seen, String nonce, boolean verifying) {
        Attempt a = seen.value();
        if (a == null) {
            throw EngineException.badRequest("no rekey in progress");
        }
        String expected = verifying ? a.verificationNonce() : a.nonce();
        if (verifying != a.verifying()) {
            throw EngineException.badRequest(verifying ? "no rekey verification in progress"
                    : "the new key shares are awaiting verification (sys/rekey/verify)");
        }
        if (nonce == null || !nonce.equals(expected)) {
            throw EngineException.badRequest("incorrect nonce supplied; nonce for this "
                    + (verifying ? "verify" : "rekey") + " operation is " + expected);
        }
        return a;
    }

    private Map<String, Object> progress(Attempt a, int progress) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", true);
        m.put("nonce", a.nonce());
        m.put("t", a.t());
        m.put("n", a.n());
        m.put("progress", progress);
        m.put("required", key.threshold());
        m.put("pgp_fingerprints", null);
        m.put("backup", false);
        m.put("verification_required", a.verification());
        return m;
    }

    private static Map<String, Object> completed(Attempt a, OperatorKey.NewKey fresh, Attempt verifying) {
        List<String> hex = new ArrayList<>();
        List<String> b64 = new ArrayList<>();
        for (byte[] s : fresh.shares()) {
            hex.add(HexFormat.of().formatHex(s));
            b64.add(Base64.getEncoder().encodeToString(s));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("complete", true);
        m.put("nonce", a.nonce());
        m.put("keys", hex);
        m.put("keys_base64", b64);
        m.put("pgp_fingerprints", null);
        m.put("backup", false);
        m.put("verification_required", a.verification());
        m.put("verification_nonce", verifying == null ? "" : verifying.verificationNonce());
        return m;
    }

    /** {@code DELETE sys/rekey/verify}: the verification starts over (new nonce, no shares); the new key stays pending. */
    public Map<String, Object> restartVerification(Target target) {
        Ceremony<Attempt> c = ceremony(target);
        for (int i = 0; i < 20; i++) {
            Ceremony.Seen<Attempt> seen = c.read();
            Attempt a = seen.value();
            if (a == null || !a.verifying()) {
                throw EngineException.badRequest("no rekey verification in progress");
            }
            Attempt next = new Attempt(a.nonce(), a.n(), a.t(), true, a.shares(), a.pendingKey(),
                    UUID.randomUUID().toString(), List.of());
            if (c.swap(seen, next)) {
                return verificationStatus(target);
            }
        }
        throw new IllegalStateException("the rekey verification kept changing");
    }

    /** {@code GET sys/rekey/verify}. */
    public Map<String, Object> verificationStatus(Target target) {
        Attempt a = ceremony(target).read().value();
        boolean on = a != null && a.verifying();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", on);
        m.put("nonce", on ? a.verificationNonce() : "");
        m.put("t", on ? a.t() : 0);
        m.put("n", on ? a.n() : 0);
        m.put("progress", on ? a.verifyShares().size() : 0);
        return m;
    }

    /**
     * {@code PUT sys/rekey/verify}: one of the new shares. At the new threshold they must rebuild
     * the pending key, which then goes in force; if they do not, the verification starts over.
     */
    public Map<String, Object> verify(Target target, byte[] share, String nonce) {
        Ceremony<Attempt> c = ceremony(target);
        for (int i = 0; i < 50; i++) {
            Ceremony.Seen<Attempt> seen = c.read();
            Attempt a = current(seen, nonce, true);
            if (Ceremony.contains(a.verifyShares(), share)) {
                throw EngineException.badRequest("given key has already been provided during this verify operation");
            }
            List<String> shares = new ArrayList<>(a.verifyShares());
            shares.add(Ceremony.encode(share));
            boolean last = shares.size() >= a.t();
            boolean rebuilt = last && OperatorKey.rebuilds(Ceremony.decode(shares), Base64.getDecoder().decode(a.pendingKey()));
            Attempt next = !last ? withVerifyShares(a, shares) : rebuilt ? null : withVerifyShares(a, List.of());
            if (!c.swap(seen, next)) {
                continue;
            }
            if (last && !rebuilt) {
                throw EngineException.badRequest("the new key shares do not rebuild the new key; verification "
                        + "progress was reset");
            }
            if (rebuilt) {
                key.install(Base64.getDecoder().decode(a.pendingKey()), a.n(), a.t());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nonce", a.verificationNonce());
            m.put("complete", rebuilt);
            m.put("started", !rebuilt);
            m.put("t", a.t());
            m.put("n", a.n());
            m.put("progress", rebuilt ? a.t() : shares.size());
            return m;
        }
        throw new IllegalStateException("the rekey verification kept changing");
    }

    private static Attempt withVerifyShares(Attempt a, List<String> shares) {
        return new Attempt(a.nonce(), a.n(), a.t(), true, a.shares(), a.pendingKey(), a.verificationNonce(), shares);
    }
}
