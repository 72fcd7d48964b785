package io.custos.engine.sdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the OpenAPI 3 document from path declarations, so the contract cannot drift from the
 * code: each {@link PathSpec} under its mount prefix becomes a path item, its captures path
 * parameters, its fields query parameters (reads) or a JSON body (writes). Sensitive fields are
 * {@code writeOnly}. LIST is Vault's {@code GET ...?list=true}.
 */
public final class OpenApiDocument {
    private OpenApiDocument() {
    }

    /** {@code mounts} maps a mount prefix such as {@code secret/} to its declared paths. */
    public static Map<String, Object> build(String title, String version, Map<String, List<PathSpec>> mounts) {
        Map<String, Object> paths = new TreeMap<>();
        mounts.forEach((prefix, specs) -> {
            for (PathSpec spec : specs) {
                String path = "/" + prefix + template(spec.declaredPattern());
                paths.put(path, pathItem(spec, path));
            }
        });
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("title", title);
        info.put("version", version);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", info);
        doc.put("servers", List.of(Map.of("url", "/v1")));
        doc.put("paths", paths);
        return doc;
    }

    /** {@code data/(?P<path>.+)} → {@code data/{path}}; optional slashes and anchors dropped. */
    static String template(String pattern) {
        String t = pattern.replaceAll("\\(\\?P<([A-Za-z_][A-Za-z0-9_]*)>[^)]*\\)", "{$1}");
        return t.replace("/?", "/").replace("$", "").replace("^", "");
    }

    private static Map<String, Object> pathItem(PathSpec spec, String path) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("summary", spec.synopsis());
        if (!spec.description().isEmpty()) {
            item.put("description", spec.description());
        }
        List<Object> pathParams = new ArrayList<>();
        List<Field> bodyFields = new ArrayList<>();
        spec.fields().values().forEach(f -> {
            if (path.contains("{" + f.name() + "}")) {
                pathParams.add(parameter(f, "path", true));
            } else {
                bodyFields.add(f);
            }
        });
        if (!pathParams.isEmpty()) {
            item.put("parameters", pathParams);
        }
        Map<Operation, PathSpec.Handler> ops = spec.operations();
        if (ops.containsKey(Operation.READ) || ops.containsKey(Operation.LIST)) {
            Map<String, Object> get = operation(spec, "read");
            List<Object> query = new ArrayList<>();
            if (ops.containsKey(Operation.READ)) {
                bodyFields.stream().filter(f -> !f.sensitive()).forEach(f -> query.add(parameter(f, "query", false)));
            }
            if (ops.containsKey(Operation.LIST)) {
                Map<String, Object> list = parameter(Field.of("list", FieldType.BOOL, "Return a listing of keys."),
                        "query", ops.containsKey(Operation.READ) ? false : true);
                query.add(list);
            }
            if (!query.isEmpty()) {
                get.put("parameters", query);
            }
            item.put("get", get);
        }
        if (ops.containsKey(Operation.UPDATE) || ops.containsKey(Operation.CREATE)) {
            item.put("post", withBody(operation(spec, "write"), bodyFields, "application/json"));
        }
        if (ops.containsKey(Operation.PATCH)) {
            item.put("patch", withBody(operation(spec, "patch"), bodyFields, "application/merge-patch+json"));
        }
        if (ops.containsKey(Operation.DELETE)) {
            item.put("delete", operation(spec, "delete"));
        }
        return item;
    }

    private static Map<String, Object> operation(PathSpec spec, String verb) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("summary", spec.synopsis());
        Map<String, Object> responses = new LinkedHashMap<>();
        responses.put("200", Map.of("description", "OK"));
        responses.put("204", Map.of("description", "empty body"));
        responses.put("400", Map.of("description", "bad input, with {\"errors\":[...]} naming the problem"));
        responses.put("403", Map.of("description", "permission denied"));
        responses.put("404", Map.of("description", "not found"));
        responses.put("503", Map.of("description", "sealed"));
        op.put("responses", responses);
        op.put("x-custos-verb", verb);
        return op;
    }

    private static Map<String, Object> withBody(Map<String, Object> op, List<Field> fields, String mediaType) {
        Map<String, Object> props = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        for (Field f : fields) {
            props.put(f.name(), schema(f));
            if (f.required()) {
                required.add(f.name());
            }
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", props);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        op.put("requestBody", Map.of("content", Map.of(mediaType, Map.of("schema", schema))));
        return op;
    }

    private static Map<String, Object> parameter(Field f, String in, boolean required) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", f.name());
        p.put("in", in);
        p.put("description", f.description());
        p.put("required", required);
        p.put("schema", schema(f));
        return p;
    }

    private static Map<String, Object> schema(Field f) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", f.type().openApiType());
        if (f.type() == FieldType.DURATION) {
            s.put("format", "duration");
            s.put("type", "string");
        }
        if (f.type() == FieldType.STRING_LIST || f.type() == FieldType.COMMA_STRING_LIST) {
            s.put("items", Map.of("type", "string"));
        }
        if (f.type() == FieldType.INT_LIST) {
            s.put("items", Map.of("type", "integer"));
        }
        if (f.type() == FieldType.STRING_MAP) {
            s.put("additionalProperties", Map.of("type", "string"));
        }
        s.put("description", f.description());
        if (f.defaultValue() != null) {
            s.put("default", f.defaultValue());
        }
        if (f.sensitive()) {
            s.put("writeOnly", true);
        }
        return s;
    }
}
