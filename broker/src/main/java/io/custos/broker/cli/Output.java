package io.custos.broker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.TextNode;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * How answers are printed, as Vault's CLI prints them: a two-column table (lease, auth and
 * wrapping fields first, then the data keys in order), the whole answer as JSON or YAML, or one
 * field's raw value ({@code -field}).
 */
final class Output {
    private final CliEnvironment env;
    private final String format;
    private final String field;

    Output(CliEnvironment env, ClientOptions options) {
        this(env, options.format(env), options.field);
    }

    Output(CliEnvironment env, String format, String field) {
        this.env = env;
        this.format = format;
        this.field = field;
    }

    String format() {
        return format;
    }

    /** A secret (the response envelope): its table rows, or all of it as JSON/YAML, or one field. */
    int secret(JsonNode secret) {
        Map<String, JsonNode> rows = rows(secret);
        if (field != null) {
            return raw(rows, field);
        }
        if (!format.equals("table")) {
            return structured(secret);
        }
        printWarnings(secret);
        table(List.of("Key", "Value"), rows);
        return 0;
    }

    /** Rows of a secret: Vault's order (lease or refresh interval, auth, wrapping) then the data keys. */
    static Map<String, JsonNode> rows(JsonNode secret) {
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        long lease = secret.path("lease_duration").asLong();
        if (lease > 0) {
            if (!secret.path("lease_id").asText().isEmpty()) {
                rows.put("lease_id", secret.get("lease_id"));
                rows.put("lease_duration", text(duration(lease)));
                rows.put("lease_renewable", secret.get("renewable"));
            } else {
                rows.put("refresh_interval", text(duration(lease)));
            }
        }
        JsonNode auth = secret.path("auth");
        if (auth.isObject()) {
            rows.put("token", auth.get("client_token"));
            rows.put("token_accessor", auth.get("accessor"));
            rows.put("token_duration", text(duration(auth.path("lease_duration").asLong())));
            rows.put("token_renewable", auth.get("renewable"));
            rows.put("token_policies", auth.get("token_policies"));
            rows.put("identity_policies", auth.get("identity_policies"));
            rows.put("policies", auth.get("policies"));
            auth.path("metadata").fields().forEachRemaining(e -> rows.put("token_meta_" + e.getKey(), e.getValue()));
        }
        JsonNode wrap = secret.path("wrap_info");
        if (wrap.isObject()) {
            rows.put("wrapping_token:", wrap.get("token"));
            rows.put("wrapping_accessor:", wrap.get("accessor"));
            rows.put("wrapping_token_ttl:", text(duration(wrap.path("ttl").asLong())));
            rows.put("wrapping_token_creation_time:", wrap.get("creation_time"));
            rows.put("wrapping_token_creation_path:", wrap.get("creation_path"));
            if (wrap.hasNonNull("wrapped_accessor") && !wrap.get("wrapped_accessor").asText().isEmpty()) {
                rows.put("wrapped_accessor:", wrap.get("wrapped_accessor"));
            }
        }
        JsonNode data = secret.path("data");
        if (data.isObject()) {
            data.fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue()));
        }
        return rows;
    }

    /** A text cell for the table of a composed answer. */
    static JsonNode text(String s) {
        return TextNode.valueOf(s);
    }

    /** Vault's human durations: 768h, 1h30m, 45s. */
    static String duration(long seconds) {
        String d = GoDuration.format(Duration.ofSeconds(seconds));
        if (d.endsWith("m0s")) {
            d = d.substring(0, d.length() - 2);
        }
        if (d.endsWith("h0m")) {
            d = d.substring(0, d.length() - 2);
        }
        return d;
    }

    /** One field's value; strings as they are, anything else as JSON. Exit 1 when the answer has no such field. */
    int raw(Map<String, JsonNode> rows, String name) {
        JsonNode v = rows.get(name);
        if (v == null && rows.containsKey(name + ":")) {
            v = rows.get(name + ":");
        }
        if (v == null) {
            throw CliException.local("Field \"" + name + "\" not present in secret");
        }
        String s = v.isTextual() ? v.asText() : v.isNull() ? "" : v.toString();
        env.out().print(s);
        if (System.console() != null) {
            env.out().println();
        }
        env.out().flush();
        return 0;
    }

    /** The whole answer as JSON (indented) or YAML. */
    int structured(JsonNode node) {
        if (format.equals("yaml")) {
            DumperOptions o = new DumperOptions();
            o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            env.out().print(new Yaml(o).dump(Json.MAPPER.convertValue(node, Object.class)));
        } else {
            try {
                env.out().println(Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(node));
            } catch (JsonProcessingException e) {
                throw CliException.local(e.getMessage());
            }
        }
        return 0;
    }

    /** A list answer ({@code data.keys}): one key per line under "Keys", or the keys as JSON/YAML. */
    int list(JsonNode secret) {
        JsonNode keys = secret.path("data").path("keys");
        if (!format.equals("table")) {
            return structured(keys);
        }
        printWarnings(secret);
        List<String> lines = new ArrayList<>(List.of("Keys", "----"));
        keys.forEach(k -> lines.add(k.asText()));
        lines.forEach(env.out()::println);
        return 0;
    }

    /** A map of objects (mounts, policies, audit devices) as a table of the named columns. */
    int objects(JsonNode map, List<String> headers, List<String> fields) {
        if (!format.equals("table")) {
            return structured(map);
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(headers);
        rows.add(headers.stream().map(h -> "-".repeat(h.length())).toList());
        Map<String, JsonNode> sorted = new TreeMap<>();
        map.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((k, v) -> {
            List<String> row = new ArrayList<>();
            row.add(k);
            for (String f : fields) {
                JsonNode x = v;
                for (String part : f.split("\\.")) {
                    x = x.path(part);
                }
                row.add(value(x));
            }
            rows.add(row);
        });
        columns(rows);
        return 0;
    }

    void table(List<String> headers, Map<String, JsonNode> rows) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(headers);
        lines.add(headers.stream().map(h -> "-".repeat(h.length())).toList());
        rows.forEach((k, v) -> lines.add(List.of(k, value(v))));
        columns(lines);
    }

    private void columns(List<List<String>> rows) {
        int cols = rows.get(0).size();
        int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int i = 0; i < cols - 1; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                b.append(r.get(i));
                if (i < cols - 1) {
                    b.append(" ".repeat(width[i] - r.get(i).length() + 4));
                }
            }
            env.out().println(b.toString().stripTrailing());
        }
    }

    /** Go's {@code %v}: strings as they are, lists as [a b], maps as map[k:v], null as n/a. */
    static String value(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "n/a";
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(value(x)));
            return "[" + String.join(" ", parts) + "]";
        }
        if (v.isObject()) {
            Map<String, String> parts = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            it.forEachRemaining(e -> parts.put(e.getKey(), value(e.getValue())));
            List<String> kv = new ArrayList<>();
            parts.forEach((k, x) -> kv.add(k + ":" + x));
            return "map[" + String.join(" ", kv) + "]";
        }
        return v.asText();
    }

    void printWarnings(JsonNode secret) {
        JsonNode w = secret.path("warnings");
        if (w.isArray() && !w.isEmpty()) {
            env.err().println("WARNING! The following warnings were returned from the server:");
            w.forEach(x -> env.err().println("  * " + x.asText()));
            env.err().println();
        }
    }
}
