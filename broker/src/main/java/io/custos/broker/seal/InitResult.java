package io.custos.broker.seal;

import java.util.List;

/** The one-time answer of sys/init: the unseal key shares (or an auto-seal's recovery key shares) and the root token. */
public record InitResult(List<byte[]> shares, List<byte[]> recoveryShares, String rootToken) {
    @Override
    public String toString() {
        return "InitResult[" + shares.size() + " shares, " + recoveryShares.size() + " recovery shares, root token redacted]";
    }
}
