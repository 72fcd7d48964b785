package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code wait { min, max }}: when a changed template is rendered again. */
class WaitQuiescenceTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    private static Renderer.Rendered template(Duration min, Duration max) {
        AgentConfig.TemplateSpec spec = new AgentConfig.TemplateSpec(null, "x", "/tmp/x", 0644, true, false, "{{", "}}",
                null, Duration.ofSeconds(30), List.of(), Duration.ofSeconds(30), min, max, false);
        return new Renderer.Rendered(0, spec);
    }

    @Test
    void theFirstRenderNeverWaitsAndNoWaitMeansNow() {
        Renderer.Rendered t = template(Duration.ofSeconds(5), Duration.ZERO);
        t.firstChange = T0;
        t.lastChange = T0;
        assertNull(Renderer.quiescence(t), "never rendered yet");
        Renderer.Rendered none = template(Duration.ZERO, Duration.ZERO);
        none.lastRender = T0;
        none.firstChange = T0;
        none.lastChange = T0;
        assertNull(Renderer.quiescence(none));
    }

    @Test
    void aReRenderWaitsForQuietButNotPastTheMaximum() {
        Renderer.Rendered t = template(Duration.ofSeconds(5), Duration.ofSeconds(12));
        t.lastRender = T0.minusSeconds(60);
        t.firstChange = T0;
        t.lastChange = T0;
        assertEquals(T0.plusSeconds(5), Renderer.quiescence(t));
        t.lastChange = T0.plusSeconds(4);
        assertEquals(T0.plusSeconds(9), Renderer.quiescence(t), "another change restarts the quiet period");
        t.lastChange = T0.plusSeconds(10);
        assertEquals(T0.plusSeconds(12), Renderer.quiescence(t), "but never beyond max after the first change");
        Renderer.Rendered defaults = template(Duration.ofSeconds(5), Duration.ZERO);
        defaults.lastRender = T0.minusSeconds(60);
        defaults.firstChange = T0;
        defaults.lastChange = T0.plusSeconds(30);
        assertEquals(T0.plusSeconds(20), Renderer.quiescence(defaults), "max defaults to 4 x min");
    }
}
