package io.custos.engine.pki;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A stored issuer ({@code issuers/<id>}): its certificate and chain (PEM), the id of its key in
 * the {@link KeyManager} (empty when only the certificate was imported), a unique name, and what
 * happens to a certificate that would outlive it ({@code err}, {@code truncate} or {@code permit}).
 */
record Issuer(String id, String name, String certificate, List<String> caChain, String keyId,
        String leafNotAfterBehavior) {
    static final List<String> LEAF_NOT_AFTER_BEHAVIORS = List.of("err", "truncate", "permit");

    Issuer {
        leafNotAfterBehavior = leafNotAfterBehavior == null || leafNotAfterBehavior.isEmpty() ? "err"
                : leafNotAfterBehavior;
    }

    Issuer(String id, String name, String certificate, List<String> caChain, String keyId) {
        this(id, name, certificate, caChain, keyId, "err");
    }

    X509Certificate cert() {
        return Pem.parsedOnce(certificate);
    }

    boolean canSign() {
        return keyId != null && !keyId.isEmpty();
    }

    Issuer named(String newName) {
        return new Issuer(id, newName, certificate, caChain, keyId, leafNotAfterBehavior);
    }

    Issuer withLeafNotAfterBehavior(String behavior) {
        return new Issuer(id, name, certificate, caChain, keyId, behavior);
    }
}
