package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.jce.interfaces.ECPublicKey;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.BigIntegers;
import org.bouncycastle.util.io.pem.PemObject;

/** PEM in and out: certificates, CSRs and private keys in Vault's formats. */
final class Pem {
    private Pem() {
    }

    /** PEM's 64-character base64 lines, as BouncyCastle's writer makes them. */
    private static final Base64.Encoder LINES = Base64.getMimeEncoder(64, new byte[] {'\n'});
    /** Parsing with the JDK's factory (a lookup per call costs more than the parse): one per thread. */
    private static final ThreadLocal<CertificateFactory> X509 = ThreadLocal.withInitial(() -> {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    });

    static String encode(Object o) {
        try {
            // the common cases written directly: the same text as the PEM writer's, a fraction of the work
            if (o instanceof X509Certificate c) {
                return armor("CERTIFICATE", c.getEncoded());
            }
            if (o instanceof PemObject p) {
                return armor(p.getType(), p.getContent());
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString().trim();
    }

    static String encode(String type, byte[] der) {
        return armor(type, der);
    }

    private static String armor(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + LINES.encodeToString(der) + "\n-----END " + type + "-----";
    }

    /**
     * A private key as Vault returns it: {@code pkcs8} → "PRIVATE KEY"; otherwise the key's own
     * form — "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC 1), and PKCS#8 for Ed25519.
     */
    static String privateKey(KeyPair pair, boolean pkcs8) {
        PrivateKey key = pair.getPrivate();
        if (pkcs8 || key.getAlgorithm().equalsIgnoreCase("Ed25519") || key.getAlgorithm().equalsIgnoreCase("EdDSA")) {
            return encode("PRIVATE KEY", key.getEncoded());
        }
        String sec1 = sec1Direct(pair);
        return sec1 != null ? sec1 : viaPkcs8(pair);
    }

    /** A named curve keys are generated on here: its parameters, as a provider's key reports them, and its OID. */
    private record NamedCurve(ECParameterSpec params, ASN1ObjectIdentifier oid) {
        static NamedCurve of(String name, ASN1ObjectIdentifier oid) {
            try {
                AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
                p.init(new ECGenParameterSpec(name));
                return new NamedCurve(p.getParameterSpec(ECParameterSpec.class), oid);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        boolean matches(ECParameterSpec other) {
            return params.getOrder().equals(other.getOrder()) && params.getCofactor() == other.getCofactor()
                    && params.getCurve().equals(other.getCurve()) && params.getGenerator().equals(other.getGenerator());
        }
    }

    private static final List<NamedCurve> CURVES = List.of(NamedCurve.of("secp256r1", SECObjectIdentifiers.secp256r1),
            NamedCurve.of("secp384r1", SECObjectIdentifiers.secp384r1));

    /**
     * An EC key on P-256 or P-384, whichever provider made it, as SEC 1 straight from its parts
     * (without a PKCS#8 encoding parsed back); null for any other key.
     */
    static String sec1Direct(KeyPair pair) {
        if (!(pair.getPrivate() instanceof java.security.interfaces.ECPrivateKey key)
                || !(pair.getPublic() instanceof java.security.interfaces.ECPublicKey pub)) {
            return null;
        }
        ECParameterSpec params = key.getParams();
        NamedCurve curve = CURVES.stream().filter(c -> c.matches(params)).findFirst().orElse(null);
        if (curve == null) {
            return null;
        }
        int size = (params.getCurve().getField().getFieldSize() + 7) / 8;
        byte[] point = new byte[1 + 2 * size]; // uncompressed, as openssl writes it
        point[0] = 4;
        BigIntegers.asUnsignedByteArray(pub.getW().getAffineX(), point, 1, size);
        BigIntegers.asUnsignedByteArray(pub.getW().getAffineY(), point, 1 + size, size);
        return encode("EC PRIVATE KEY", sec1(params.getOrder().bitLength(), key.getS(), point, curve.oid()));
    }

    /** The traditional (PKCS#1 or SEC 1) PEM of any key, read out of its PKCS#8 encoding. */
    static String viaPkcs8(KeyPair pair) {
        PrivateKey key = pair.getPrivate();
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            byte[] inner = info.parsePrivateKey().toASN1Primitive().getEncoded();
            if (key.getAlgorithm().equals("RSA")) {
                return encode("RSA PRIVATE KEY", inner);
            }
            // SEC 1 with the curve named, as openssl writes it
            org.bouncycastle.asn1.sec.ECPrivateKey ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(inner);
            byte[] publicPoint = pair.getPublic() instanceof ECPublicKey bc
                    ? bc.getQ().getEncoded(false) // the uncompressed point, as BouncyCastle's encoding holds it
                    : SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()).getPublicKeyData().getBytes();
            return encode("EC PRIVATE KEY", sec1(Pem.orderBits(key), ec.getKey(), publicPoint,
                    (ASN1Object) info.getPrivateKeyAlgorithm().getParameters()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sec1(int orderBits, BigInteger d, byte[] publicPoint, ASN1Object curve) {
        try {
            return new org.bouncycastle.asn1.sec.ECPrivateKey(orderBits, d, new DERBitString(publicPoint), curve)
                    .getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int orderBits(PrivateKey key) {
        return ((java.security.interfaces.ECPrivateKey) key).getParams().getOrder().bitLength();
    }

    private static final Map<String, X509Certificate> PARSED = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, X509Certificate> e) {
                    return size() > 256;
                }
            });

    /** An issuer certificate, parsed once (issuers sign on every request; their PEM rarely changes). */
    static X509Certificate parsedOnce(String pem) {
        X509Certificate c = PARSED.get(pem);
        if (c == null) {
            c = certificates(pem).get(0);
            PARSED.put(pem, c);
        }
        return c;
    }

    static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(pem)) {
            if (o instanceof X509CertificateHolder h) {
                out.add(certificate(h));
            }
        }
        return out;
    }

    static X509Certificate certificate(X509CertificateHolder h) {
        try {
            return (X509Certificate) X509.get().generateCertificate(new ByteArrayInputStream(h.getEncoded()));
        } catch (CertificateException | IOException e) {
            throw EngineException.badRequest("unreadable certificate: " + e.getMessage());
        }
    }

    static PKCS10CertificationRequest csr(String pem) {
        for (Object o : objects(pem)) {
            if (o instanceof PKCS10CertificationRequest r) {
                return r;
            }
        }
        throw EngineException.badRequest("csr: no PEM-encoded CERTIFICATE REQUEST found");
    }

    /** The first private key in a PEM bundle, with its public half. */
    static KeyPair keyPair(String pem) {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        try {
            for (Object o : objects(pem)) {
                if (o instanceof PEMKeyPair kp) {
                    if (kp.getPublicKeyInfo() == null) {
                        PrivateKeyInfo info = kp.getPrivateKeyInfo();
                        return new KeyPair(publicOf(info), conv.getPrivateKey(info));
                    }
                    return conv.getKeyPair(kp);
                }
                if (o instanceof PrivateKeyInfo info) {
                    PrivateKey key = conv.getPrivateKey(info);
                    return new KeyPair(publicOf(info), key);
                }
            }
        } catch (IOException e) {
            throw EngineException.badRequest("unreadable private key: " + e.getMessage());
        }
        return null;
    }

    private static PublicKey publicOf(PrivateKeyInfo info) throws IOException {
        if (info.getPublicKeyData() != null) {
            return new JcaPEMKeyConverter().getPublicKey(new SubjectPublicKeyInfo(
                    info.getPrivateKeyAlgorithm(), info.getPublicKeyData().getBytes()));
        }
        AsymmetricKeyParameter priv =
                PrivateKeyFactory.createKey(info);
        AsymmetricKeyParameter pub;
        if (priv instanceof RSAPrivateCrtKeyParameters rsa) {
            pub = new RSAKeyParameters(false, rsa.getModulus(), rsa.getPublicExponent());
        } else if (priv instanceof ECPrivateKeyParameters ec) {
            pub = new ECPublicKeyParameters(
                    ec.getParameters().getG().multiply(ec.getD()).normalize(), ec.getParameters());
        } else if (priv instanceof Ed25519PrivateKeyParameters ed) {
            pub = ed.generatePublicKey();
        } else {
            throw EngineException.badRequest("unsupported private key type");
        }
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub);
        if (priv instanceof ECPrivateKeyParameters) {
            spki = new SubjectPublicKeyInfo(info.getPrivateKeyAlgorithm(),
                    spki.getPublicKeyData().getBytes());
        }
        return new JcaPEMKeyConverter().getPublicKey(spki);
    }

    private static List<Object> objects(String pem) {
        List<Object> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw EngineException.badRequest("malformed PEM: " + e.getMessage());
        }
        return out;
    }
}
