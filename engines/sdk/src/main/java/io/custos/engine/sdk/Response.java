package io.custos.engine.sdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What an engine answers: the {@code data} block of Vault's envelope, warnings, and an optional
 * status override (KV v2 answers 404 with metadata for a deleted version). A {@code null}
 * data block with no status means 204 for writes. {@code toString} never shows data.
 */
public final class Response {
    private final Map<String, Object> data;
    private final int status;
    private final List<String> warnings = new ArrayList<>();
    private Map<String, Object> auth;
    private String leaseId = "";
    private String rawContentType;
    private byte[] rawBody;
    private long leaseDuration;
    private boolean renewable;

    private Response(Map<String, Object> data, int status) {
        this.data = data;
        this.status = status;
    }

    public static Response of(Map<String, Object> data) {
        return new Response(data, 0);
    }

    public static Response withStatus(int status, Map<String, Object> data) {
        return new Response(data, status);
    }

    public static Response noContent() {
        return new Response(null, 204);
    }

    /** Vault's shape for a LIST answer. */
    public static Response listOf(List<String> keys) {
        return keys.isEmpty() ? null : of(Map.of("keys", keys));
    }

    /**
     * A body sent as it is, not in Vault's JSON envelope: a DER or PEM certificate or CRL, an OCSP
     * response. The broker writes it with this content type.
     */
    public static Response raw(int status, String contentType, byte[] body) {
        Response r = new Response(null, status);
        r.rawContentType = contentType;
        r.rawBody = body.clone();
        return r;
    }

    /** The raw body's content type, or null for an enveloped response. */
    public String rawContentType() {
        return rawContentType;
    }

    public byte[] rawBody() {
        return rawBody == null ? null : rawBody.clone();
    }

    public Response warn(String warning) {
        warnings.add(warning);
        return this;
    }

    /** Vault's {@code auth} block (a login or a new token); the data block may then be empty. */
    public static Response ofAuth(Map<String, Object> auth) {
        Response r = new Response(null, 0);
        r.auth = auth;
        return r;
    }

    /** Adds an {@code auth} block beside the data. */
    public Response withAuth(Map<String, Object> authBlock) {
        this.auth = authBlock;
        return this;
    }

    /** Sets the lease fields of the envelope (done by the broker's lease manager on commit). */
    public Response withLease(String id, long durationSeconds, boolean isRenewable) {
        this.leaseId = id;
        this.leaseDuration = durationSeconds;
        this.renewable = isRenewable;
        return this;
    }

    public String leaseId() {
        return leaseId;
    }

    public long leaseDuration() {
        return leaseDuration;
    }

    public boolean renewable() {
        return renewable;
    }

    public Map<String, Object> auth() {
        return auth;
    }

    public Map<String, Object> data() {
        return data;
    }

    /** The explicit status, or 0 to let the transport choose (200 with data, 204 without). */
    public int status() {
        return status;
    }

    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    @Override
    public String toString() {
        return "Response[status=" + status + ", data=" + (data == null ? "none" : data.keySet())
                + (auth == null ? "" : ", auth redacted") + "]";
    }
}
