package io.custos.engine.pki;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.util.function.Supplier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JCA providers for the PKI engine's asymmetric work — key generation and signing, the cost
 * of every certificate issued. The fastest here is AWS-LC through Amazon Corretto Crypto Provider
 * (measured by bench/pki.sh: EC P-256 key generation + signing 4–5× BouncyCastle's and 20–25×
 * the JDK's); its native library ships for Linux on x86-64, and where it does not load or fails
 * its self-tests, EC falls back to BouncyCastle (the next fastest) and RSA to the JDK. Providers
 * are used by instance, never installed globally, so the rest of the broker (the barrier's
 * AES-GCM, HMAC, TLS) keeps the JDK's providers.
 */
final class Providers {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    /** One instance for the engine: creating a provider is costly. */
    static final Provider BC = new BouncyCastleProvider();

    /** AWS-LC's provider when it loads here, else null. */
    static final Provider NATIVE = loaded(Providers::accp);

    private Providers() {
    }

    /**
     * The provider that generates and signs with keys of an algorithm ({@code EC}, {@code RSA},
     * anything else), or null for the JDK's.
     */
    static Provider forKeys(String algorithm) {
        return forKeys(algorithm, NATIVE);
    }

    static Provider forKeys(String algorithm, Provider nativeProvider) {
        return switch (algorithm) {
            case "EC" -> nativeProvider != null ? nativeProvider : BC;
            case "RSA" -> nativeProvider;
            default -> null;
        };
    }

    /** The provider the supplier gives, or null when it cannot: a missing class, a native library that does not load, a failed self-test. */
    static Provider loaded(Supplier<Provider> provider) {
        try {
            return provider.get();
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("AWS-LC's JCA provider is not available here ({}): PKI keys and signatures use BouncyCastle (EC) "
                    + "and the JDK (RSA), at a fraction of its speed", e.toString());
            return null;
        }
    }

    private static Provider accp() {
        AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
        if (p.getLoadingError() != null) {
            throw new IllegalStateException("its native library did not load", p.getLoadingError());
        }
        p.assertHealthy(); // runs the self-tests; throws when one fails
        return p;
    }
}
