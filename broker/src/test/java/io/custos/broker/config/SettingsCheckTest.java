package io.custos.broker.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.env.DefaultEnvironment;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A number, duration or switch of a {@code custos.*} setting that is not one stops start-up by its
 * name — from the configuration file or from an environment variable — instead of the default
 * quietly taking its place.
 */
class SettingsCheckTest {

    private static Environment environment(PropertySource source) {
        Environment env = new DefaultEnvironment(() -> List.of("settings-check"));
        env.addPropertySource(source);
        return env.start();
    }

    private static String refusal(PropertySource source) {
        Environment env = environment(source);
        try {
            return assertThrows(ConfigurationException.class,
                    () -> SettingsCheck.check(env, SettingsCheck.CONFIGURATIONS)).getMessage();
        } finally {
            env.stop();
        }
    }

    private static String refusal(String setting, String value) {
        return refusal(PropertySource.of("custos.yml", Map.of(setting, value)));
    }

    @Test
    void valuesThatAreNotOfTheSettingsTypeAreRefusedByName() {
        String longs = " is not a whole number up to 9223372036854775807";
        String ints = " is not a whole number up to 2147483647";
        assertEquals("custos.storage.cache-max-bytes: \"abc\"" + longs, refusal("custos.storage.cache-max-bytes", "abc"));
        assertEquals("custos.storage.group-commit-linger-us: \"99999999999999999999999\"" + longs,
                refusal("custos.storage.group-commit-linger-us", "99999999999999999999999"));
        assertEquals("custos.leases.workers: \"4294967296\"" + ints, refusal("custos.leases.workers", "4294967296"));
        assertEquals("custos.leases.poll-interval: \"soon\" is not a duration such as 30s, 5m or 768h",
                refusal("custos.leases.poll-interval", "soon"));
        assertEquals("custos.telemetry.unauthenticated-metrics-access: \"ture\" is not true or false",
                refusal("custos.telemetry.unauthenticated-metrics-access", "ture"));
        assertEquals("custos.listener.tls-enabled: \"disabled\" is not true or false",
                refusal("custos.listener.tls-enabled", "disabled"));
        assertEquals("custos.barrier.rewrap-batch-size: \"" + "9".repeat(64) + "…\"" + ints,
                refusal("custos.barrier.rewrap-batch-size", "9".repeat(70_000) + "\n"));
        assertEquals("custos.tokens.cache-max-bytes: \"1?2\"" + longs, refusal("custos.tokens.cache-max-bytes", "1\n2"));
        assertEquals("custos.listener.port: \"eighty\"" + ints, refusal("custos.listener.port", "eighty"));
        assertEquals("custos.storage.max-connections: \"-\"" + ints, refusal("custos.storage.max-connections", "-"));
    }

    @Test
    void everyConfigurationClassAndEveryNumberApplicationYmlPassesOnIsChecked() throws Exception {
        Path classes = Path.of(SettingsCheck.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/custos/broker/config");
        try (Stream<Path> files = Files.list(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).toList()) {
                String name = file.getFileName().toString().replace(".class", "");
                Class<?> c = Class.forName("io.custos.broker.config." + name);
                if (c.isAnnotationPresent(ConfigurationProperties.class)) {
                    assertTrue(SettingsCheck.CONFIGURATIONS.contains(c), name + " is not in SettingsCheck.CONFIGURATIONS");
                }
            }
        }
        String yml;
        try (var in = SettingsCheck.class.getResourceAsStream("/application.yml")) {
            yml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\\$\\{(custos\\.[a-z.-]+):[0-9]+}").matcher(yml);
        int numbers = 0;
        while (m.find()) {
            numbers++;
            assertTrue(SettingsCheck.PLACEHOLDERS.containsKey(m.group(1)), m.group(1) + " is not in SettingsCheck.PLACEHOLDERS");
        }
        assertTrue(numbers >= 4, "application.yml's numeric placeholders were found: " + numbers);
    }

    @Test
    void anEnvironmentVariableIsCheckedAsItsSetting() {
        assertEquals("custos.storage.cache-max-bytes: \"abc\" is not a whole number up to 9223372036854775807",
                refusal(PropertySource.of("env", Map.of("CUSTOS_STORAGE_CACHE_MAX_BYTES", "abc"),
                        PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE)));
    }

    @Test
    void valuesOfTheRightTypeAndUnsetSettingsPass() {
        Environment env = environment(PropertySource.of("custos.yml", Map.of(
                "custos.storage.cache-max-bytes", "1048576", "custos.storage.cache-enabled", "false",
                "custos.leases.workers", 4, "custos.leases.poll-interval", "250ms", "custos.leases.max-ttl", "PT1H",
                "custos.listener.tls-enabled", "yes", "custos.seal.type", "static", "custos.tokens.cache-max-bytes", " 42 ",
                "custos.listener.port", "8200", "custos.storage.max-connections", "20")));
        try {
            assertDoesNotThrow(() -> SettingsCheck.check(env, SettingsCheck.CONFIGURATIONS));
        } finally {
            env.stop();
        }
    }
}
