package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import io.custos.engine.sdk.StorageView;
import java.io.IOException;
import java.security.KeyPair;
import java.security.Provider;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issuer keys as PKCS#8 in the mount's storage (so behind the broker's barrier), held in memory
 * once loaded for signing speed. The only {@link KeyManager} so far; nothing outside this class
 * touches private key bytes.
 */
final class StoredKeyManager implements KeyManager {
    private final StorageView storage;
    private final Map<String, KeyPair> loaded = new ConcurrentHashMap<>();

    StoredKeyManager(StorageView storage) {
        this.storage = storage;
    }

    @Override
    public String generate(KeyType type) {
        return importKey(type.generate());
    }

    @Override
    public String importKey(KeyPair key) {
        String id = UUID.randomUUID().toString();
        Base64.Encoder b64 = Base64.getEncoder();
        byte[] privateKey = key.getPrivate().getEncoded();
        byte[] publicKey = key.getPublic().getEncoded();
        storage.put("keys/" + id, Json.write(Map.of("private", b64.encodeToString(privateKey),
                "public", b64.encodeToString(publicKey))));
        loaded.put(id, signingPair(id, privateKey, publicKey)); // an imported key becomes the signing provider's own
        return id;
    }

    @Override
    public PublicKey publicKey(String keyId) {
        return pair(keyId).getPublic();
    }

    @Override
    public ContentSigner signer(String keyId) {
        KeyPair p = pair(keyId);
        try {
            KeyType type = KeyType.of(p.getPublic());
            JcaContentSignerBuilder b = new JcaContentSignerBuilder(type.signatureAlgorithm());
            // through the fastest provider for the key's algorithm, whose keys these are (converted once at load)
            Provider provider = Providers.forKeys(p.getPrivate().getAlgorithm());
            return (provider != null ? b.setProvider(provider) : b).build(p.getPrivate());
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with key " + keyId, e);
        }
    }

    @Override
    public KeyType type(String keyId) {
        return KeyType.of(publicKey(keyId));
    }

    @Override
    public void delete(String keyId) {
        storage.delete("keys/" + keyId);
        loaded.remove(keyId);
    }

    private KeyPair pair(String keyId) {
        KeyPair held = loaded.get(keyId);
        if (held != null) {
            return held;
        }
        NonBlocking.check(); // loading waits on storage, and computeIfAbsent on other threads' loads
        return loaded.computeIfAbsent(keyId, id -> {
            Map<String, Object> stored = Json.readMap(storage.get("keys/" + id).orElseThrow(
                    () -> EngineException.badRequest("key " + id + " not found")));
            Base64.Decoder b64 = Base64.getDecoder();
            return signingPair(id, b64.decode((String) stored.get("private")), b64.decode((String) stored.get("public")));
        });
    }

    /** A key pair from its PKCS#8 and SubjectPublicKeyInfo encodings, as keys of the provider that signs with them. */
    private static KeyPair signingPair(String id, byte[] privateKey, byte[] publicKey) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(privateKey);
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
            Provider provider = Providers.forKeys(X9ObjectIdentifiers.id_ecPublicKey.equals(oid) ? "EC"
                    : PKCSObjectIdentifiers.rsaEncryption.equals(oid) ? "RSA" : oid.getId());
            if (provider != null) {
                conv.setProvider(provider);
            }
            return new KeyPair(conv.getPublicKey(SubjectPublicKeyInfo.getInstance(publicKey)), conv.getPrivateKey(info));
        } catch (IOException e) {
            throw new IllegalStateException("stored key " + id + " is unreadable", e);
        }
    }
}
