package io.custos.agent;

import io.custos.gotemplate.Template;
import io.custos.gotemplate.TemplateException;
import io.custos.gotemplate.TemplateFunction;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses a template as the agent will, with every function the agent offers, without rendering it:
 * the injector refuses a pod whose template does not parse at admission, not at 3 a.m. in a
 * crash-looping container.
 */
public final class TemplateCheck {
    private static final Map<String, TemplateFunction> FUNCTIONS;

    static {
        Map<String, TemplateFunction> f = new HashMap<>(Functions.helpers(Clock.systemUTC(), Map.of()));
        f.putAll(Functions.secretFunctions(null)); // parsing only looks the names up
        FUNCTIONS = Map.copyOf(f);
    }

    private TemplateCheck() {
    }

    /** Null when the template parses; otherwise the parser's message. */
    public static String problem(String name, String text, String left, String right) {
        try {
            Template.parse(name, text, Template.Options.DEFAULTS.withDelimiters(left, right).withFunctions(FUNCTIONS));
            return null;
        } catch (TemplateException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
