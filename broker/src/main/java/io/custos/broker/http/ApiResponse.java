package io.custos.broker.http;

/** A finished answer: status, body bytes (empty for 204) and their content type (JSON unless raw). */
public record ApiResponse(int status, byte[] body, String contentType) {
    static final byte[] EMPTY = new byte[0];
    static final String JSON = "application/json";

    public ApiResponse(int status, byte[] body) {
        this(status, body, JSON);
    }

    boolean isJson() {
        return JSON.equals(contentType);
    }

    @Override
    public String toString() {
        return "ApiResponse[" + status + ", " + body.length + " bytes " + contentType + "]";
    }
}
