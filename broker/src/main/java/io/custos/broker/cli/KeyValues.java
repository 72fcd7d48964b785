package io.custos.broker.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's {@code K=V} arguments: {@code k=v}; {@code k=@file} (the file's contents);
 * {@code k=-} (standard input); a lone {@code -} (a JSON object on standard input) or
 * {@code @file.json} (a JSON object from a file). A key given twice becomes a list.
 */
final class KeyValues {
    private KeyValues() {
    }

    static Map<String, Object> parse(List<String> args, CliEnvironment env) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (args == null) {
            return out;
        }
        for (String arg : args) {
            if (arg.equals("-")) {
                out.putAll(json(read(env, "-"), "standard input"));
                continue;
            }
            if (arg.startsWith("@") && !arg.contains("=")) {
                out.putAll(json(read(env, arg.substring(1)), arg.substring(1)));
                continue;
            }
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("invalid key/value pair \"" + arg + "\": format must be key=value");
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            if (value.equals("-")) {
                value = read(env, "-");
            } else if (value.startsWith("@")) {
                value = read(env, value.substring(1));
            }
            add(out, key, value);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void add(Map<String, Object> out, String key, Object value) {
        Object before = out.get(key);
        if (before == null) {
            out.put(key, value);
        } else if (before instanceof List<?> l) {
            ((List<Object>) l).add(value);
        } else {
            List<Object> list = new ArrayList<>();
            list.add(before);
            list.add(value);
            out.put(key, list);
        }
    }

    static String read(CliEnvironment env, String file) {
        try {
            if (file.equals("-")) {
                return new String(env.in().readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw CliException.local("cannot read " + (file.equals("-") ? "standard input" : file) + ": "
                    + e.getMessage());
        }
    }

    private static Map<String, Object> json(String text, String from) {
        try {
            return Json.MAPPER.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw CliException.usage("the JSON object in " + from + " cannot be parsed: " + e.getMessage());
        }
    }
}
