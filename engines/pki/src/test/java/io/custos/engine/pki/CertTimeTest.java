package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.KeyPair;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The certificate fields Custos encodes itself are encoded exactly as BouncyCastle's own helpers encode them. */
class CertTimeTest {

    @ParameterizedTest
    @ValueSource(strings = {"1970-01-01T00:00:00Z", "2026-12-01T23:59:59.999Z", "2049-12-31T23:59:59Z",
        "2050-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2000-02-29T12:34:56Z"})
    void validityTimesAreBouncyCastlesToTheByte(String text) throws Exception {
        Instant t = Instant.parse(text);
        Time expected = new Time(Date.from(t.minusNanos(t.getNano())), Locale.ROOT);
        assertArrayEquals(expected.getEncoded(), Certs.time(t).getEncoded(), text);
        assertEquals(expected.getDate(), Certs.time(t).getDate());
    }

    @Test
    void keyIdentifiersAreJcaX509ExtensionUtilsOnes() throws Exception {
        KeyPair k = KeyType.of("ec", 256).generate();
        byte[] expected = new JcaX509ExtensionUtils().createSubjectKeyIdentifier(k.getPublic()).getKeyIdentifier();
        assertArrayEquals(expected, Certs.keyId(SubjectPublicKeyInfo.getInstance(k.getPublic().getEncoded())));
    }
}
