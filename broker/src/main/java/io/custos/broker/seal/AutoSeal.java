package io.custos.broker.seal;

/**
 * A seal that protects the root key itself, so the broker unseals without key shares: a static
 * key from a file or environment variable today; a cloud KMS or PKCS#11 token can implement it.
 */
public interface AutoSeal {

    /** The seal type shown by {@code sys/seal-status}. */
    String type();

    byte[] wrapRootKey(byte[] rootKey);

    /** Throws {@link io.custos.broker.barrier.IntegrityException} if the blob was not wrapped by this seal. */
    byte[] unwrapRootKey(byte[] wrapped);

    /** Wraps the recovery key (bound to that purpose: it cannot be swapped with the root key's blob). */
    byte[] wrapRecoveryKey(byte[] recoveryKey);

    byte[] unwrapRecoveryKey(byte[] wrapped);

    /** Whether an operator-supplied key (sys/unseal after sys/seal) is this seal's key. */
    boolean matchesKey(byte[] candidate);
}
