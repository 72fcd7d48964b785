package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.custos.engine.sdk.EngineException;
import org.junit.jupiter.api.Test;

/** Request paths: segments decoded and checked; only an OCSP GET may carry an encoded '/'. */
class DecodePathTest {

    @Test
    void ordinaryPathsAreUnchangedEvenUnderAnOcspFolder() {
        assertEquals("secret/data/ocsp/a.b", RequestDispatcher.decodePath("secret/data/ocsp/a.b"));
        assertEquals("secret/data/a b", RequestDispatcher.decodePath("secret/data/a%20b"));
        assertEquals("secret/metadata/", RequestDispatcher.decodePath("secret/metadata/"));
    }

    @Test
    void anOcspGetKeepsItsBase64WithSlashes() {
        assertEquals("pki/ocsp/MEow+SDA/Rj==", RequestDispatcher.decodePath("pki/ocsp/MEow%2BSDA%2FRj%3D%3D"));
        assertEquals("pki_int/ocsp/ab//cd", RequestDispatcher.decodePath("pki_int/ocsp/ab//cd"));
    }

    @Test
    void encodedSlashesAndDotSegmentsAreRefusedElsewhere() {
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/a%2Fb"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/../x"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("sys/ocsp/a%2Fb"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/ocsp/a%2Fb.c"));
    }
}
