package io.custos.engine.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameworkEngineTest {

    private final FrameworkEngine engine = new FrameworkEngine() {
        @Override
        protected List<PathSpec> declarePaths() {
            return List.of(PathSpec.path("roles/(?P<role_name>[^/]+)")
                    .fields(Field.of("ttl", FieldType.DURATION, "TTL"), Field.of("count", FieldType.INT, "n"),
                            Field.of("tags", FieldType.COMMA_STRING_LIST, "tags"))
                    .on(Operation.UPDATE, (req, d) -> Response.of(Map.of(
                            "name", d.getString("role_name"), "ttl", d.getDuration("ttl").toSeconds(),
                            "count", d.getLong("count"), "tags", d.getAs("tags") == null ? List.of() : d.getAs("tags"))))
                    .build());
        }
    };

    @Test
    void decodesFieldsAndCaptures() {
        Response r = engine.handle(new Request(Operation.UPDATE, "roles/web",
                Map.of("ttl", "1h", "count", "3", "tags", "a, b")));
        assertEquals(Map.of("name", "web", "ttl", 3600L, "count", 3L, "tags", List.of("a", "b")), r.data());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void warnsAboutUnknownFieldsAsVaultDoes() {
        Response r = engine.handle(new Request(Operation.UPDATE, "roles/web", Map.of("zeta", 1, "alpha", 2)));
        assertEquals(List.of("Endpoint ignored these unrecognized parameters: [alpha zeta]"), r.warnings());
    }

    @Test
    void badTypeIsA400NamingTheFieldWithoutEchoingTheValue() {
        EngineException e = assertThrows(EngineException.class,
                () -> engine.handle(new Request(Operation.UPDATE, "roles/web", Map.of("count", "s3cr3t"))));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("\"count\""), e.getMessage());
        assertTrue(!e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    void unknownPathIs404AndUnknownOperationIs405() {
        assertEquals(404, assertThrows(EngineException.class,
                () -> engine.handle(new Request(Operation.READ, "nope", Map.of()))).status());
        assertEquals(405, assertThrows(EngineException.class,
                () -> engine.handle(new Request(Operation.DELETE, "roles/x", Map.of()))).status());
    }

    @Test
    void goDurationsRoundTrip() {
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
        assertEquals(Duration.ofDays(2), GoDuration.parse("2d"));
        assertEquals(Duration.ofSeconds(45), GoDuration.parse("45"));
        assertEquals("1h30m0s", GoDuration.format(Duration.ofMinutes(90)));
        assertEquals("0s", GoDuration.format(Duration.ZERO));
        assertEquals("2m5s", GoDuration.format(Duration.ofSeconds(125)));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("1x"));
    }

    @Test
    void mergePatchFollowsRfc7386() {
        Object target = Map.of("a", "b", "c", Map.of("d", "e", "f", "g"));
        Map<String, Object> patch = new HashMap<>();
        patch.put("a", "z");
        Map<String, Object> inner = new HashMap<>();
        inner.put("f", null);
        patch.put("c", inner);
        assertEquals(Map.of("a", "z", "c", Map.of("d", "e")), MergePatch.apply(target, patch));
    }

    @Test
    void listingGivesImmediateChildrenAndFolders() {
        InMemoryStorage s = new InMemoryStorage();
        for (String k : List.of("a/b", "a/c/d", "a/c/e", "a/f", "b")) {
            s.put(k, new byte[] {1});
        }
        assertEquals(List.of("b", "c/", "f"), s.list("a/"));
        assertEquals(List.of("a/", "b"), s.list(""));
        assertEquals(List.of("d", "e"), s.sub("a/").list("c/"));
    }

    @Test
    void aPatternsLiteralPrefixIsWhatEveryMatchStartsWith() {
        assertEquals("roles", PathSpec.literalPrefix("roles/?"));
        assertEquals("issue/", PathSpec.literalPrefix("issue/(?P<role>[^/]+)"));
        assertEquals("metadata", PathSpec.literalPrefix("metadata/?(?P<path>.*)"));
        assertEquals("config/url", PathSpec.literalPrefix("config/urls?"));
        assertEquals("", PathSpec.literalPrefix("cert|certs"), "a choice at the top has no common prefix");
        assertEquals("a", PathSpec.literalPrefix("a(b|c)"));
        assertEquals("", PathSpec.literalPrefix("(?P<x>.*)"));
        for (String[] c : new String[][] {{"roles/?", "roles"}, {"roles/?", "roles/"}, {"cert|certs", "certs"},
            {"config/urls?", "config/url"}, {"a(b|c)", "ac"}}) {
            assertTrue(PathSpec.path(c[0]).build().match(c[1]) != null, c[0] + " matches " + c[1]);
        }
    }
}
