package io.custos.engine.pki;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A stored issuer ({@code issuers/<id>}): its certificate and chain (PEM), the id of its key in
 * the {@link KeyManager} (empty when only the certificate was imported), and a unique name.
 */
record Issuer(String id, String name, String certificate, List<String> caChain, String keyId) {

    X509Certificate cert() {
        return Pem.parsedOnce(certificate);
    }

    boolean canSign() {
        return keyId != null && !keyId.isEmpty();
    }

    Issuer named(String newName) {
        return new Issuer(id, newName, certificate, caChain, keyId);
    }
}
