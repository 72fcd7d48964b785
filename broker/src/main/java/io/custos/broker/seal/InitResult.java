package io.custos.broker.seal;

import java.util.List;

/** The one-time answer of sys/init: the unseal key shares and the initial root token. */
public record InitResult(List<byte[]> shares, String rootToken) {
    @Override
    public String toString() {
        return "InitResult[" + shares.size() + " shares, root token redacted]";
    }
}
