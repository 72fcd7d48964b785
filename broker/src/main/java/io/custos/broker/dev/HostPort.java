package io.custos.broker.dev;

/** A listen address {@code host:port}. */
public record HostPort(String host, int port) {
    public static HostPort parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("listen address must be host:port, got \"" + address + "\"");
        }
        try {
            return new HostPort(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address must be host:port, got \"" + address + "\"");
        }
    }
}
