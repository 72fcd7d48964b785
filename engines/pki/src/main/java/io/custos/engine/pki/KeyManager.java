package io.custos.engine.pki;

import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.operator.ContentSigner;

/**
 * Where issuer keys live. Callers get a public key and a {@link ContentSigner} — never key bytes —
 * so a PKCS#11/HSM implementation can replace the stored-key one without touching the engine.
 */
public interface KeyManager {

    /** Generates a key of {@code type} ({@code ec}, {@code rsa}, {@code ed25519}) and returns its id. */
    String generate(KeyType type);

    /** Takes ownership of an existing key pair (an imported or exported issuer key); returns its id. */
    String importKey(KeyPair key);

    PublicKey publicKey(String keyId);

    /** A signer with the key's natural algorithm (SHA-256/384 with ECDSA, SHA-256 with RSA, Ed25519). */
    ContentSigner signer(String keyId);

    KeyType type(String keyId);

    void delete(String keyId);
}
