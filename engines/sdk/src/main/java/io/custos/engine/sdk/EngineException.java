package io.custos.engine.sdk;

/**
 * A failure the client caused or should see, with the HTTP status Vault would answer. The
 * message is returned to the client verbatim, so it must never contain a secret.
 */
public class EngineException extends RuntimeException {
    private final int status;

    public EngineException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** 400: the request is malformed or not allowed by the engine's rules. */
    public static EngineException badRequest(String message) {
        return new EngineException(400, message);
    }

    public static EngineException notFound(String message) {
        return new EngineException(404, message);
    }

    public static EngineException unsupportedOperation() {
        return new EngineException(405, "unsupported operation");
    }

    public static EngineException unsupportedPath() {
        return new EngineException(404, "unsupported path");
    }
}
