package io.custos.broker.audit;

/** No enabled audit device could record the request: it must not proceed (fail closed). */
public class AuditUnavailableException extends RuntimeException {
    public AuditUnavailableException(String message) {
        super(message, null, false, false);
    }
}
