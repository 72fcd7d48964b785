package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.InMemoryStorage;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.Test;

/**
 * Key generation and signing take the fastest provider that loads: AWS-LC's on Linux x86-64 (this
 * build's platform), BouncyCastle for EC and the JDK for RSA where it does not; what they make
 * verifies with the JDK's providers.
 */
class ProvidersTest {

    @Test
    void awsLcLoadsOnLinuxX86_64AndGeneratesAndSignsEcAndRsa() {
        boolean platform = System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        assertTrue(platform, "this build's tests run on Linux x86-64, where AWS-LC's provider ships");
        assertNotNull(Providers.NATIVE, "AWS-LC's provider loads and passes its self-tests");
        assertEquals("AmazonCorrettoCryptoProvider", Providers.NATIVE.getName());
        assertSame(Providers.NATIVE, Providers.forKeys("EC"));
        assertSame(Providers.NATIVE, Providers.forKeys("RSA"));
        assertNull(Providers.forKeys("Ed25519"));
        for (KeyType type : new KeyType[] {KeyType.of("ec", 256), KeyType.of("ec", 384), KeyType.of("rsa", 2048)}) {
            String keyClass = type.generate().getPrivate().getClass().getName();
            assertTrue(keyClass.startsWith("com.amazon.corretto.crypto.provider."), type + ": " + keyClass);
        }
    }

    @Test
    void withoutItEcTakesBouncyCastleAndRsaTheJdk() {
        assertNull(Providers.loaded(() -> {
            throw new UnsatisfiedLinkError("no libamazonCorrettoCryptoProvider in java.library.path");
        }));
        assertNull(Providers.loaded(() -> {
            throw new IllegalStateException("self-test failed");
        }));
        assertNull(Providers.loaded(() -> null));
        assertSame(Providers.BC, Providers.forKeys("EC", null));
        assertNull(Providers.forKeys("RSA", null));
        assertNull(Providers.forKeys("Ed25519", null));
    }

    @Test
    void certificatesSignedWithEachKeyTypeVerifyWithTheJdk() throws Exception {
        for (String[] type : new String[][] {{"ec", "256"}, {"ec", "384"}, {"rsa", "2048"}, {"ed25519", "0"}}) {
            KeyType keyType = KeyType.of(type[0], Integer.parseInt(type[1]));
            KeyPair issuer = keyType.generate();
            StoredKeyManager keys = new StoredKeyManager(new InMemoryStorage());
            String keyId = keys.importKey(issuer);
            var holder = new JcaX509v3CertificateBuilder(new X500Name("CN=issuer"), BigInteger.TEN, new Date(),
                    new Date(System.currentTimeMillis() + 60_000), new X500Name("CN=leaf"), keyType.generate().getPublic())
                    .build(keys.signer(keyId));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            cert.verify(issuer.getPublic()); // the JDK's provider checks what the fast one signed
            Signature jdk = Signature.getInstance(cert.getSigAlgName());
            jdk.initVerify(issuer.getPublic());
            jdk.update(cert.getTBSCertificate());
            assertTrue(jdk.verify(cert.getSignature()), keyType.toString());
        }
    }
}
