package io.custos.broker.seal;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.crypto.Drbg;
import io.custos.engine.sdk.EngineException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code sys/generate-root}: a new root token once a threshold of operators has presented shares
 * of the unseal key (Shamir) or of the recovery key (auto-seal). The token is returned encoded:
 * base64 (unpadded) of its bytes XOR a one-time pad as long as the token, which the broker makes
 * at the start ({@code otp}) or the operator brings — so it never crosses the wire in clear, and
 * {@code vault operator generate-root -decode} reads it. The attempt is stored behind the barrier:
 * its shares may arrive at any broker.
 */
@Singleton
public class RootGeneration {
    static final String PATH = "core/seal/generate-root";

    private final Ceremony<Attempt> ceremony;
    private final OperatorKey key;
    private final Core.RootTokenIssuer rootTokens;

    /** The attempt in progress: its nonce, its pad, the shares so far (base64). */
    record Attempt(String nonce, String otp, List<String> shares) {
        @Override
        public String toString() {
            return "Attempt[" + nonce + ", " + shares.size() + " shares]";
        }
    }

    public RootGeneration(BarrierStorage storage, OperatorKey key, Core.RootTokenIssuer rootTokens) {
        this.ceremony = new Ceremony<>(storage, PATH, Attempt.class);
        this.key = key;
        this.rootTokens = rootTokens;
    }

    /** {@code GET sys/generate-root/attempt}. */
    public Map<String, Object> status() {
        Attempt a = ceremony.read().value();
        return status(a, a == null ? 0 : a.shares().size(), "", "");
    }

    private Map<String, Object> status(Attempt a, int progress, String encoded, String otp) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", a != null);
        m.put("nonce", a == null ? "" : a.nonce());
        m.put("progress", progress);
        m.put("required", key.isRecovery() && !hasRecoveryKeys() ? 0 : key.threshold());
        m.put("complete", !encoded.isEmpty());
        m.put("encoded_token", encoded);
        m.put("encoded_root_token", encoded);
        m.put("pgp_fingerprint", "");
        m.put("otp", otp);
        m.put("otp_length", rootTokens.tokenLength());
        return m;
    }

    private boolean hasRecoveryKeys() {
        try {
            key.threshold();
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    /**
     * {@code PUT sys/generate-root/attempt}: starts an attempt with the operator's {@code otp}, or
     * with one made here and returned once (as Vault 1.10+ when no otp is given).
     */
    public Map<String, Object> start(String otp, String pgpKey) {
        if (pgpKey != null && !pgpKey.isEmpty()) {
            throw EngineException.badRequest("pgp_key is not supported: use the one-time pad (otp)");
        }
        key.threshold(); // a 400 when there are no shares that could complete it
        boolean generated = otp == null || otp.isEmpty();
        String pad = generated ? Drbg.base62(rootTokens.tokenLength()) : otp;
        if (pad.getBytes(StandardCharsets.UTF_8).length != rootTokens.tokenLength()) {
            throw EngineException.badRequest("OTP string is wrong length: it must be " + rootTokens.tokenLength()
                    + " characters (otp_length)");
        }
        Ceremony.Seen<Attempt> seen = ceremony.read();
        if (seen.inProgress()) {
            throw EngineException.badRequest("root generation already in progress");
        }
        Attempt a = new Attempt(UUID.randomUUID().toString(), pad, List.of());
        if (!ceremony.swap(seen, a)) {
            throw EngineException.badRequest("root generation already in progress");
        }
        return status(a, 0, "", generated ? pad : "");
    }

    /** {@code DELETE sys/generate-root/attempt}. */
    public void cancel() {
        ceremony.end();
    }

    /**
     * {@code PUT sys/generate-root/update}: adds one share; the share that reaches the threshold
     * ends the attempt (whatever the outcome) and, if the shares rebuild the key, makes the token.
     */
    public Map<String, Object> update(byte[] share, String nonce) {
        key.checkShareLength(share);
        for (int i = 0; i < 50; i++) {
            Ceremony.Seen<Attempt> seen = ceremony.read();
            Attempt a = seen.value();
            if (a == null) {
                throw EngineException.badRequest("no root generation in progress");
            }
            if (nonce == null || !nonce.equals(a.nonce())) {
                throw EngineException.badRequest("incorrect nonce supplied; nonce for this root generation operation is "
                        + a.nonce());
            }
            if (Ceremony.contains(a.shares(), share)) {
                throw EngineException.badRequest("given key has already been provided during this generation operation");
            }
            List<String> shares = new ArrayList<>(a.shares());
            shares.add(Ceremony.encode(share));
            boolean last = shares.size() >= key.threshold();
            if (!ceremony.swap(seen, last ? null : new Attempt(a.nonce(), a.otp(), shares))) {
                continue; // another broker took a share meanwhile: read again
            }
            if (!last) {
                return status(new Attempt(a.nonce(), a.otp(), shares), shares.size(), "", "");
            }
            key.verify(Ceremony.decode(shares));
            String token = rootTokens.createRootToken(null);
            return status(a, shares.size(), encode(token, a.otp()), "");
        }
        throw new IllegalStateException("the root generation attempt kept changing");
    }

    /** Vault's {@code roottoken.EncodeToken}: base64 (raw, unpadded) of token XOR pad. */
    static String encode(String token, String otp) {
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        byte[] p = otp.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = (byte) (t[i] ^ p[i]);
        }
        return Base64.getEncoder().withoutPadding().encodeToString(out);
    }
}
