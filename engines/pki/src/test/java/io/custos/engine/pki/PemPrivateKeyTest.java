package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.teletrust.TeleTrusTObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;

/**
 * An EC key on P-256 or P-384 is written as SEC 1 straight from its parts, whichever provider made
 * it: byte for byte what reading it out of its PKCS#8 encoding gives (the curve named, the public
 * point included); a key on another curve still takes that way.
 */
class PemPrivateKeyTest {

    private static ECPrivateKey sec1(String pem) throws Exception {
        try (PemReader r = new PemReader(new StringReader(pem))) {
            var object = r.readPemObject();
            assertEquals("EC PRIVATE KEY", object.getType());
            return ECPrivateKey.getInstance(object.getContent());
        }
    }

    @Test
    void generatedKeysAreWrittenAsTheirPkcs8EncodingWouldGive() throws Exception {
        for (int bits : new int[] {256, 384}) {
            for (int i = 0; i < 20; i++) { // leading zero bytes in d or the point come up now and then
                assertWrittenDirectly(KeyType.of("ec", bits).generate(), bits);
            }
        }
    }

    @Test
    void keysOfEveryProviderAtHandAreWrittenDirectlyAndAlike() throws Exception {
        List<Provider> providers = new ArrayList<>(List.of(Providers.BC, Security.getProvider("SunEC")));
        if (Providers.NATIVE != null) {
            providers.add(Providers.NATIVE);
        }
        for (Provider provider : providers) {
            for (int bits : new int[] {256, 384}) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC", provider);
                g.initialize(new ECGenParameterSpec(bits == 256 ? "secp256r1" : "secp384r1"));
                for (int i = 0; i < 10; i++) {
                    assertWrittenDirectly(g.generateKeyPair(), bits);
                }
            }
        }
    }

    private static void assertWrittenDirectly(KeyPair pair, int bits) throws Exception {
        String direct = Pem.privateKey(pair, false);
        assertEquals(direct, Pem.sec1Direct(pair), "written without PKCS#8: " + pair.getPrivate().getClass());
        assertEquals(Pem.viaPkcs8(pair), direct, "P-" + bits + " from " + pair.getPrivate().getClass());
        ECPrivateKey parsed = sec1(direct);
        assertEquals(bits == 256 ? SECObjectIdentifiers.secp256r1 : SECObjectIdentifiers.secp384r1,
                parsed.getParametersObject());
        assertEquals(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(), parsed.getKey());
        assertTrue(parsed.getPublicKey() != null, "the public point is included");
    }

    @Test
    void aKeyOnAnotherCurveTakesThePkcs8Way() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", Providers.BC);
        g.initialize(new ECGenParameterSpec("brainpoolP256r1")); // P-256's size, another curve
        KeyPair pair = g.generateKeyPair();
        assertNull(Pem.sec1Direct(pair));
        ECPrivateKey parsed = sec1(Pem.privateKey(pair, false));
        assertEquals(TeleTrusTObjectIdentifiers.brainpoolP256r1, parsed.getParametersObject());
    }
}
