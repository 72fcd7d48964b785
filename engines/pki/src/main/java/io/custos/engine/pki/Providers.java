package io.custos.engine.pki;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The JCA provider for the PKI engine's asymmetric work: BouncyCastle's, the fastest here for EC
 * key generation and ECDSA signing (measured by bench/pki.sh: about 6× the JDK's on JDK 17, 2× on
 * JDK 25). It is used by instance, never installed globally, so the rest of the broker (AES-GCM,
 * HMAC, TLS) keeps the JDK's providers, which are faster there.
 */
final class Providers {
    /** One instance for the engine: creating a provider is costly. */
    static final Provider BC = new BouncyCastleProvider();

    private Providers() {
    }
}
