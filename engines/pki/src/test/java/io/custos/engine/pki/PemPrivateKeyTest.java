package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;

/**
 * An EC key generated here is written as SEC 1 straight from its parts: byte for byte what reading
 * it out of its PKCS#8 encoding gives (the curve named, the public point included), and keys from
 * another provider still take that way.
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
                KeyPair pair = KeyType.of("ec", bits).generate();
                var curve = assertInstanceOf(ECNamedCurveParameterSpec.class,
                        ((org.bouncycastle.jce.interfaces.ECPrivateKey) pair.getPrivate()).getParameters());
                assertNotNull(ECNamedCurveTable.getOID(curve.getName()), "written without PKCS#8: " + curve.getName());
                String direct = Pem.privateKey(pair, false);
                assertEquals(Pem.viaPkcs8(pair), direct, "P-" + bits);
                ECPrivateKey parsed = sec1(direct);
                assertEquals(bits == 256 ? SECObjectIdentifiers.secp256r1 : SECObjectIdentifiers.secp384r1,
                        parsed.getParametersObject());
                assertTrue(parsed.getPublicKey() != null, "the public point is included");
            }
        }
    }

    @Test
    void aKeyFromTheJdksProviderIsStillWritten() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        ECPrivateKey parsed = sec1(Pem.privateKey(pair, false));
        assertEquals(SECObjectIdentifiers.secp256r1, parsed.getParametersObject());
        assertEquals(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(), parsed.getKey());
    }
}
