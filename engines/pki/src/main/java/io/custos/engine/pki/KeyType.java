package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;

/** A key algorithm and size as Vault names them: {@code ec} 256/384, {@code rsa} 2048/3072/4096, {@code ed25519}. */
public record KeyType(String name, int bits) {

    public static KeyType of(String name, int bits) {
        String n = name == null || name.isEmpty() ? "rsa" : name;
        switch (n) {
            case "rsa" -> {
                int b = bits == 0 ? 2048 : bits;
                if (b != 2048 && b != 3072 && b != 4096) {
                    throw EngineException.badRequest("unsupported bit length for RSA key: " + b);
                }
                return new KeyType("rsa", b);
            }
            case "ec" -> {
                int b = bits == 0 ? 256 : bits;
                if (b != 256 && b != 384) {
                    throw EngineException.badRequest("unsupported bit length for EC key: " + b);
                }
                return new KeyType("ec", b);
            }
            case "ed25519" -> {
                return new KeyType("ed25519", 0);
            }
            default -> throw EngineException.badRequest("unknown key_type \"" + n + "\"; use rsa, ec or ed25519");
        }
    }

    /** The type of an existing public key (a CSR's). */
    public static KeyType of(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return new KeyType("rsa", rsa.getModulus().bitLength());
        }
        if (key instanceof ECPublicKey ec) {
            return new KeyType("ec", ec.getParams().getCurve().getField().getFieldSize());
        }
        if (key.getAlgorithm().equalsIgnoreCase("Ed25519") || key.getAlgorithm().equalsIgnoreCase("EdDSA")) {
            return new KeyType("ed25519", 0);
        }
        throw EngineException.badRequest("unsupported public key algorithm " + key.getAlgorithm());
    }

    /** The fastest provider's generators, set up once per thread (finding and initialising one costs more than a P-256 key). */
    private static final ThreadLocal<KeyPairGenerator> P256 = ThreadLocal.withInitial(() -> ecGenerator("secp256r1"));
    private static final ThreadLocal<KeyPairGenerator> P384 = ThreadLocal.withInitial(() -> ecGenerator("secp384r1"));

    private static KeyPairGenerator ecGenerator(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", Providers.forKeys("EC"));
            g.initialize(new ECGenParameterSpec(curve));
            return g;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + curve + " keys", e);
        }
    }

    public KeyPair generate() {
        try {
            KeyPairGenerator g;
            switch (name) {
                case "rsa" -> {
                    Provider p = Providers.forKeys("RSA");
                    g = p == null ? KeyPairGenerator.getInstance("RSA") : KeyPairGenerator.getInstance("RSA", p);
                    g.initialize(bits);
                }
                case "ec" -> {
                    return (bits == 384 ? P384 : P256).get().generateKeyPair();
                }
                default -> g = KeyPairGenerator.getInstance("Ed25519");
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + this + " key", e);
        }
    }

    /** The signature algorithm an issuer with this key uses. */
    public String signatureAlgorithm() {
        return switch (name) {
            case "rsa" -> "SHA256withRSA";
            case "ec" -> bits == 384 ? "SHA384withECDSA" : "SHA256withECDSA";
            default -> "Ed25519";
        };
    }

    @Override
    public String toString() {
        return name.equals("ed25519") ? name : name + "-" + bits;
    }
}
