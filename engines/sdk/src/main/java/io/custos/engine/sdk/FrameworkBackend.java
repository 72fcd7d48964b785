package io.custos.engine.sdk;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A backend built from {@link PathSpec}s (Vault's {@code framework.Backend}): routes a request to
 * the first matching path, decodes its fields against the declaration (a bad value is a 400
 * naming the field), warns about unknown fields the way Vault does, and calls the handler.
 */
public abstract class FrameworkBackend implements Backend {
    private List<PathSpec> paths;

    /** The engine's path declarations, in match order. */
    protected abstract List<PathSpec> declarePaths();

    @Override
    public final List<PathSpec> paths() {
        if (paths == null) {
            paths = List.copyOf(declarePaths());
        }
        return paths;
    }

    @Override
    public Response handle(Request request) {
        for (PathSpec spec : paths()) {
            Map<String, Object> captures = spec.match(request.path());
            if (captures == null) {
                continue;
            }
            Operation op = request.operation();
            PathSpec.Handler handler = handlerFor(spec, op);
            if (handler == null) {
                throw EngineException.unsupportedOperation();
            }
            Map<String, Object> raw = new HashMap<>(request.data());
            raw.putAll(captures);
            TreeSet<String> unknown = new TreeSet<>();
            for (String k : request.data().keySet()) {
                if (!spec.fields().containsKey(k)) {
                    unknown.add(k);
                }
            }
            FieldData data = new FieldData(spec.fields(), raw);
            if (NonBlocking.active() && !spec.answersWithoutBlocking(op, request, data)) {
                NonBlocking.decline(); // a worker's job
            }
            Response response = handler.handle(request, data);
            if (!unknown.isEmpty()) {
                if (response == null) {
                    response = Response.withStatus(request.operation() == Operation.READ
                            || request.operation() == Operation.LIST ? 404 : 204, null);
                }
                response.warn("Endpoint ignored these unrecognized parameters: " + unknownList(unknown));
            }
            return response;
        }
        throw EngineException.unsupportedPath();
    }

    private static String unknownList(TreeSet<String> unknown) {
        return "[" + String.join(" ", unknown) + "]";
    }

    @Override
    public Operation classifyWrite(Request request) {
        for (PathSpec spec : paths()) {
            Map<String, Object> captures = spec.match(request.path());
            if (captures != null) {
                if (spec.existenceCheck() == null) {
                    return Operation.UPDATE;
                }
                Map<String, Object> raw = new HashMap<>(request.data());
                raw.putAll(captures);
                return spec.existenceCheck().exists(request, new FieldData(spec.fields(), raw))
                        ? Operation.UPDATE : Operation.CREATE;
            }
        }
        return Operation.UPDATE;
    }

    private static PathSpec.Handler handlerFor(PathSpec spec, Operation op) {
        PathSpec.Handler h = spec.operations().get(op);
        if (h == null && op == Operation.CREATE) {
            h = spec.operations().get(Operation.UPDATE);
        }
        if (h == null && op == Operation.UPDATE) {
            h = spec.operations().get(Operation.CREATE);
        }
        return h;
    }
}
