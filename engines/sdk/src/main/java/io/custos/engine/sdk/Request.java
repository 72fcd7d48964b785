package io.custos.engine.sdk;

import java.util.Map;

/**
 * One logical request to an engine: the operation, the path relative to the mount, and the
 * decoded parameters (JSON body, or query parameters for reads). Its {@code toString} never
 * shows parameter values.
 */
public record Request(Operation operation, String path, Map<String, Object> data, String contentType) {

    public Request {
        data = data == null ? Map.of() : data;
    }

    public Request(Operation operation, String path, Map<String, Object> data) {
        this(operation, path, data, "application/json");
    }

    public Request withPath(String newPath) {
        return new Request(operation, newPath, data, contentType);
    }

    @Override
    public String toString() {
        return "Request[" + operation + " " + path + ", fields=" + data.keySet() + "]";
    }
}
