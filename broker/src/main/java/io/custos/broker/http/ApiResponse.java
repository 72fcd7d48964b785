package io.custos.broker.http;

/** A finished answer: status and JSON body bytes (empty for 204). */
public record ApiResponse(int status, byte[] body) {
    static final byte[] EMPTY = new byte[0];

    @Override
    public String toString() {
        return "ApiResponse[" + status + ", " + body.length + " bytes]";
    }
}
