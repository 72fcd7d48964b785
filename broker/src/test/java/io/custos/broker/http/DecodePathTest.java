package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.custos.engine.sdk.EngineException;
import org.junit.jupiter.api.Test;

/**
 * Request paths: segments decoded and checked. Dot segments and control characters are refused
 * outright; an empty segment or an encoded '/' is a problem the router refuses unless the path's
 * declaration is lenient (an OCSP GET: see PkiHttpTest for both answers over HTTP).
 */
class DecodePathTest {

    @Test
    void ordinaryPathsAreUnchangedEvenUnderAnOcspFolder() {
        clean("secret/data/ocsp/a.b", "secret/data/ocsp/a.b");
        clean("secret/data/a b", "secret/data/a%20b");
        clean("secret/metadata/", "secret/metadata/");
        clean("secret/data/a+b", "secret/data/a+b");
    }

    @Test
    void encodedSlashesAndEmptySegmentsAreDecodedButMarked() {
        RequestDispatcher.DecodedPath p = RequestDispatcher.decodePath("pki/ocsp/MEow%2BSDA%2FRj%3D%3D");
        assertEquals("pki/ocsp/MEow+SDA/Rj==", p.path());
        assertEquals("invalid request path: encoded '/' or control characters", p.problem());
        RequestDispatcher.DecodedPath q = RequestDispatcher.decodePath("pki_int/ocsp/ab//cd");
        assertEquals("pki_int/ocsp/ab//cd", q.path());
        assertEquals("invalid request path: empty path segment", q.problem());
        assertEquals("invalid request path: encoded '/' or control characters",
                RequestDispatcher.decodePath("secret/data/a%2Fb").problem());
    }

    @Test
    void dotSegmentsControlCharactersAndBadEncodingAreRefused() {
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/../x"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/%2E%2E/x"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/a%0Ab"));
        assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("secret/data/%zz"));
        assertEquals(404, assertThrows(EngineException.class, () -> RequestDispatcher.decodePath("")).status());
    }

    private static void clean(String expected, String raw) {
        RequestDispatcher.DecodedPath p = RequestDispatcher.decodePath(raw);
        assertEquals(expected, p.path());
        assertNull(p.problem());
    }
}
