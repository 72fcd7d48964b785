package io.custos.broker.barrier;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the barrier's AES-GCM comes from. The barrier draws a fresh data key for every value, so a
 * key schedule per encryption and per decryption is part of its price. JDK 17 expands AES keys in
 * plain Java, both directions, into freshly allocated arrays (≈ 1.7 µs per new key here; JDK 21
 * made it cheaper, JDK-8308118), so on a JDK before 21 the ciphers come from AWS-LC (Amazon
 * Corretto Crypto Provider, the native library the PKI engine signs with) where it loads and
 * passes a known-answer round trip; from JDK 21 on, and wherever AWS-LC cannot serve, from the
 * JDK. AWS-LC is fast with fresh keys only **if its cipher keeps its native context across
 * keys**: its default ({@code HYBRID}) frees the context whenever the key changes and allocates
 * another at the next operation, which cost as much as the JDK 17 key schedule; this instance is
 * made with {@code LAZY}, which keeps one context per {@link Cipher} and re-keys it in place.
 * Measured by {@code bench/barrier.sh} (docs/benchmarks.md): on JDK 17 AWS-LC's ciphers make the
 * barrier ≈ 50 % faster than the JDK's; on JDK 25 the JDK's are ≈ 15 % faster than AWS-LC's
 * (every JNI crossing costs more than its key schedule saves there).
 *
 * <p>The instance is the broker's own, never installed globally, so TLS, HMAC and everything else
 * keep the JDK's providers; ciphers from either provider read each other's output (the format is
 * plain AES-256-GCM), so nodes on different JDKs and platforms share one storage.
 */
final class AesGcmProvider {
    private static final Logger LOG = LoggerFactory.getLogger(AesGcmProvider.class);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final String STRATEGY = "com.amazon.corretto.crypto.provider.nativeContextReleaseStrategy";

    /** The first JDK whose own AES key schedule is cheap enough (JDK-8308118). */
    static final int JDK_FAST_KEY_SCHEDULE = 21;

    /** AWS-LC's provider when it serves AES-GCM here and the JDK's key schedule is slow, else null (the JDK's). */
    private static final Provider PROVIDER = choose(Runtime.version().feature());

    private AesGcmProvider() {
    }

    /** A new AES-256-GCM cipher from the chosen provider. */
    static Cipher newCipher() {
        try {
            return newCipher(PROVIDER);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    }

    /** A new AES-GCM cipher from {@code provider}, or from the JDK's when it is null. */
    static Cipher newCipher(Provider provider) throws GeneralSecurityException {
        return provider == null ? Cipher.getInstance(TRANSFORMATION) : Cipher.getInstance(TRANSFORMATION, provider);
    }

    /** The chosen provider: AWS-LC's, or null for the JDK's. */
    static Provider chosen() {
        return PROVIDER;
    }

    /** The provider for a JDK of this feature version: AWS-LC's before {@link #JDK_FAST_KEY_SCHEDULE}, else null. */
    static Provider choose(int jdkFeature) {
        return jdkFeature < JDK_FAST_KEY_SCHEDULE ? usable(AesGcmProvider::awsLc) : null;
    }

    /** AWS-LC's provider, or null with a warning when it cannot serve (missing library, failed self-test, refused cipher). */
    static Provider usable(Supplier<Provider> candidate) {
        try {
            Provider p = candidate.get();
            roundTrip(p);
            LOG.info("Barrier AES-GCM: AWS-LC ({} {})", p.getName(), p.getVersionStr());
            return p;
        } catch (LinkageError | RuntimeException | GeneralSecurityException e) {
            LOG.warn("AWS-LC's AES-GCM is not available here ({}): the barrier uses the JDK's", e.toString());
            return null;
        }
    }

    /** Encrypts and decrypts one block with a fixed key, the output checked against the JDK's. */
    static void roundTrip(Provider p) throws GeneralSecurityException {
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        GCMParameterSpec nonce = new GCMParameterSpec(128, new byte[12]);
        byte[] plain = "custos".getBytes(StandardCharsets.US_ASCII);
        Cipher theirs = newCipher(p);
        theirs.init(Cipher.ENCRYPT_MODE, key, nonce);
        byte[] sealed = theirs.doFinal(plain);
        Cipher ours = newCipher(null);
        ours.init(Cipher.ENCRYPT_MODE, key, nonce);
        if (!MessageDigest.isEqual(sealed, ours.doFinal(plain))) {
            throw new GeneralSecurityException("its AES-GCM output differs from the JDK's");
        }
        theirs.init(Cipher.DECRYPT_MODE, key, nonce);
        if (!MessageDigest.isEqual(plain, theirs.doFinal(sealed))) {
            throw new GeneralSecurityException("its AES-GCM does not decrypt its own output");
        }
    }

    /** A provider instance of its own, made with the {@code LAZY} context strategy (unless the operator set one). */
    private static Provider awsLc() {
        String set = System.getProperty(STRATEGY);
        AmazonCorrettoCryptoProvider p;
        if (set != null) {
            p = new AmazonCorrettoCryptoProvider();
        } else {
            System.setProperty(STRATEGY, "LAZY"); // read by the constructor; not left behind
            try {
                p = new AmazonCorrettoCryptoProvider();
            } finally {
                System.clearProperty(STRATEGY);
            }
        }
        if (p.getLoadingError() != null) {
            throw new IllegalStateException("its native library did not load", p.getLoadingError());
        }
        p.assertHealthy(); // runs the self-tests; throws when one fails
        return p;
    }
}
