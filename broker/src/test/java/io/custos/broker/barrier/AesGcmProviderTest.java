package io.custos.broker.barrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import io.custos.broker.crypto.Drbg;
import java.security.Provider;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The barrier's AES-GCM comes from AWS-LC on JDKs before 21 on Linux x86-64 (this build's
 * platform), from the JDK on later JDKs and wherever AWS-LC cannot serve; either provider reads
 * what the other wrote, key after fresh key on the same cipher (AWS-LC's native context is re-keyed
 * in place, not freed).
 */
class AesGcmProviderTest {

    @Test
    void awsLcServesTheBarrierBeforeJdk21OnLinuxX86_64() {
        assertTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").matches("amd64|x86_64"),
                "this build's tests run on Linux x86-64, where AWS-LC's provider ships");
        Provider p = AesGcmProvider.choose(17);
        assertNotNull(p, "AWS-LC's provider loads, passes its self-tests and the round trip");
        assertEquals("AmazonCorrettoCryptoProvider", p.getName());
        assertNull(AesGcmProvider.choose(21));
        assertNull(AesGcmProvider.choose(25));
        boolean before21 = Runtime.version().feature() < 21;
        assertEquals(before21 ? "AmazonCorrettoCryptoProvider" : "SunJCE", AesGcmProvider.newCipher().getProvider().getName());
        assertEquals(before21, AesGcmProvider.chosen() != null);
        assertNull(System.getProperty("com.amazon.corretto.crypto.provider.nativeContextReleaseStrategy"),
                "the context strategy is set for the provider's constructor only, not left behind");
    }

    @Test
    void whereAwsLcCannotServeTheJdkDoes() throws Exception {
        assertNull(AesGcmProvider.usable(() -> {
            throw new UnsatisfiedLinkError("no libamazonCorrettoCryptoProvider in java.library.path");
        }));
        assertNull(AesGcmProvider.usable(() -> {
            throw new IllegalStateException("self-test failed");
        }));
        assertNull(AesGcmProvider.usable(() -> new Provider("NoCiphers", "1", "offers no AES-GCM") {
        }), "a provider that refuses the cipher is not used");
        assertEquals("SunJCE", AesGcmProvider.newCipher(null).getProvider().getName());
    }

    @Test
    void eachProviderReadsTheOthersCiphertextsUnderFreshKeys() throws Exception {
        Cipher awsLc = AesGcmProvider.newCipher(AesGcmProvider.choose(17));
        Cipher jdk = AesGcmProvider.newCipher(null);
        byte[] aad = "logical/x/versions/1".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 64; i++) {
            SecretKeySpec key = new SecretKeySpec(Drbg.randomBytes(32), "AES");
            GCMParameterSpec nonce = new GCMParameterSpec(128, Drbg.randomBytes(12));
            byte[] plain = Drbg.randomBytes(1 + i * 37);
            Cipher writer = i % 2 == 0 ? awsLc : jdk;
            Cipher reader = i % 2 == 0 ? jdk : awsLc;
            writer.init(Cipher.ENCRYPT_MODE, key, nonce);
            writer.updateAAD(aad);
            byte[] sealed = writer.doFinal(plain);
            reader.init(Cipher.DECRYPT_MODE, key, nonce);
            reader.updateAAD(aad);
            assertArrayEquals(plain, reader.doFinal(sealed), "round " + i);
            sealed[sealed.length - 1] ^= 1;
            writer.init(Cipher.DECRYPT_MODE, key, nonce);
            writer.updateAAD(aad);
            assertThrows(AEADBadTagException.class, () -> writer.doFinal(sealed), "round " + i);
        }
    }
}
