package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.naming.NameUtils;
import io.micronaut.core.value.PropertyResolver;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every number, duration and switch the {@code custos.*} configuration interfaces read is checked
 * at start-up: a value that is not one stops the broker with its setting's name. Micronaut's
 * interface binding would otherwise fall back to the default without a word — {@code abc} or a
 * number beyond a long for a byte count, {@code ture} for a switch — and run with settings the
 * operator did not choose.
 */
@Context
final class SettingsCheck {
    static final List<Class<?>> CONFIGURATIONS = List.of(BarrierConfiguration.class, LeaseConfiguration.class,
            ListenerConfiguration.class, SealConfiguration.class, StorageConfiguration.class,
            TelemetryConfiguration.class, TokenConfiguration.class);

    /** What Micronaut reads as a switch; anything else it would take as false. */
    private static final Set<String> SWITCHES = Set.of("true", "false", "yes", "no", "on", "off", "y", "n");

    SettingsCheck(Environment environment) {
        check(environment, CONFIGURATIONS);
    }

    /** The numbers application.yml hands on to Micronaut's server and data source. */
    static final Map<String, Class<?>> PLACEHOLDERS = Map.of("custos.listener.port", int.class,
            "custos.listener.max-request-size", long.class, "custos.storage.max-connections", int.class,
            "custos.storage.connect-timeout-ms", long.class);

    static void check(PropertyResolver settings, List<Class<?>> configurations) {
        for (Class<?> configuration : configurations) {
            String prefix = configuration.getAnnotation(ConfigurationProperties.class).value();
            for (Method getter : configuration.getMethods()) {
                String property = NameUtils.getPropertyNameForGetter(getter.getName());
                if (getter.getDeclaringClass() == configuration && !Modifier.isStatic(getter.getModifiers())
                        && getter.getParameterCount() == 0 && !property.equals(getter.getName())) {
                    check(settings, prefix + "." + NameUtils.hyphenate(property), getter.getReturnType());
                }
            }
        }
        PLACEHOLDERS.forEach((name, type) -> check(settings, name, type));
    }

    private static void check(PropertyResolver settings, String name, Class<?> type) {
        Optional<String> value = settings.getProperty(name, String.class);
        if (value.isPresent() && !valid(settings, name, value.get(), type)) {
            throw new ConfigurationException(name + ": " + shown(value.get()) + " is not " + what(type));
        }
    }

    private static boolean valid(PropertyResolver settings, String name, String value, Class<?> type) {
        String v = value.trim();
        try {
            if (type == int.class) {
                Integer.parseInt(v);
            } else if (type == long.class) {
                Long.parseLong(v);
            } else if (type == boolean.class) {
                return SWITCHES.contains(v.toLowerCase(Locale.ROOT));
            } else if (type == Duration.class) {
                return settings.getProperty(name, Duration.class).isPresent();
            }
            return true;
        } catch (RuntimeException e) { // a number that does not parse or overflows; a duration the converter refuses
            return false;
        }
    }

    private static String what(Class<?> type) {
        if (type == int.class) {
            return "a whole number up to " + Integer.MAX_VALUE;
        }
        if (type == long.class) {
            return "a whole number up to " + Long.MAX_VALUE;
        }
        return type == boolean.class ? "true or false" : "a duration such as 30s, 5m or 768h";
    }

    /** The value as the operator wrote it, cut short and quoted (an operator's value, but never echoed at length). */
    private static String shown(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return "\"" + v.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
