package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import io.custos.engine.sdk.StorageView;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
        storage.put("keys/" + id, Json.write(Map.of("private", b64.encodeToString(key.getPrivate().getEncoded()),
                "public", b64.encodeToString(key.getPublic().getEncoded()))));
        loaded.put(id, key);
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
            // ECDSA through BouncyCastle (its keys, converted once at load); RSA and Ed25519 stay with the JDK
            return (type.name().equals("ec") ? b.setProvider(Providers.BC) : b).build(p.getPrivate());
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
            try {
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(b64.decode((String) stored.get("private")));
                JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
                if (X9ObjectIdentifiers.id_ecPublicKey.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
                    conv.setProvider(Providers.BC);
                }
                PrivateKey key = conv.getPrivateKey(info);
                PublicKey pub = conv.getPublicKey(SubjectPublicKeyInfo.getInstance(b64.decode((String) stored.get("public"))));
                return new KeyPair(pub, key);
            } catch (IOException e) {
                throw new IllegalStateException("stored key " + id + " is unreadable", e);
            }
        });
    }
}
