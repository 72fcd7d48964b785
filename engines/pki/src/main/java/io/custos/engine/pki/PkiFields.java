package io.custos.engine.pki;


import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.GoDuration;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** What the PKI path families share: field shorthands, the CA and issue fields, small decoders. */
final class PkiFields {

    static Field str(String name, String description) {
        return Field.of(name, FieldType.STRING, description);
    }

    static Field bool(String name, String description) {
        return Field.of(name, FieldType.BOOL, description);
    }

    static Field strings(String name, String description) {
        return Field.of(name, FieldType.COMMA_STRING_LIST, description);
    }

    static List<Field> withField(List<Field> base, Field... more) {
        List<Field> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    static String required(FieldData d, String field) {
        String v = d.getString(field);
        if (v == null || v.isEmpty()) {
            throw EngineException.badRequest("missing " + field);
        }
        return v;
    }

    static List<String> listOf(FieldData d, String field) {
        List<String> v = d.getAs(field);
        return v == null ? new ArrayList<>() : new ArrayList<>(v);
    }

    static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ttlText(long seconds) {
        return GoDuration.format(Duration.ofSeconds(seconds));
    }

    static final List<Field> CA_FIELDS = List.of(
            str("type", "internal (the key stays here) or exported (returned once)."),
            str("common_name", "The CA's common name."),
            Field.of("ttl", FieldType.DURATION, "Validity (default 768h)."),
            str("key_type", "rsa (default), ec or ed25519."),
            Field.of("key_bits", FieldType.INT, "RSA 2048/3072/4096, EC 256/384."),
            str("issuer_name", "A unique name for the new issuer."),
            Field.of("max_path_length", FieldType.INT, "Path length constraint (-1 = none)."),
            strings("ou", "Subject OU."), strings("organization", "Subject O."), strings("country", "Subject C."),
            strings("locality", "Subject L."), strings("province", "Subject ST."),
            strings("alt_names", "DNS SANs."), strings("ip_sans", "IP SANs."), strings("uri_sans", "URI SANs."),
            str("format", "pem (default), der or pem_bundle."),
            str("private_key_format", "Empty (the key's own PEM form) or pkcs8."));

    static final List<Field> ISSUE_FIELDS = List.of(
            str("role", "The role."),
            str("common_name", "Subject CN; checked against the role."),
            strings("alt_names", "DNS or email SANs."), strings("ip_sans", "IP SANs."), strings("uri_sans", "URI SANs."),
            Field.of("ttl", FieldType.DURATION, "Requested validity; above the role's max_ttl, max_ttl is used (with a warning)."),
            str("format", "pem (default), der or pem_bundle."),
            str("private_key_format", "Empty or pkcs8."),
            bool("exclude_cn_from_sans", "Do not copy the CN into the SANs."),
            str("issuer_ref", "Issuer to sign with (default: the role's, else the mount default)."));

    static final Duration DEFAULT_TTL = Duration.ofHours(768);

    /** Smallest keys a CSR may carry (Vault refuses RSA under 2048 bits). */
    static final int MIN_RSA_BITS = 2048;

    static final int MIN_EC_BITS = 256;

    static Certs.Subject subject(FieldData d, String cn) {
        List<InetAddress> ips = listOf(d, "ip_sans").stream().map(NamePolicy::ip).toList();
        List<String> dns = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        listOf(d, "alt_names").forEach(n -> (n.contains("@") ? emails : dns).add(n));
        return new Certs.Subject(cn, dns, emails, ips, listOf(d, "uri_sans"), listOf(d, "ou"), listOf(d, "organization"),
                listOf(d, "country"), listOf(d, "locality"), listOf(d, "province"), false);
    }

    static Map<String, Object> certificateData(X509Certificate cert, List<X509Certificate> chain, String format) {
        List<String> pems = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!c.equals(cert)) {
                pems.add(Pem.encode(c));
            }
        }
        return certificateData(cert, Pem.encode(cert), pems, format);
    }

    /** Vault's certificate fields; {@code chainPem} is the issuing chain (issuer first), already PEM. */
    static Map<String, Object> certificateData(X509Certificate cert, String certPem, List<String> chainPem,
            String format) {
        return certificateData(der(cert), cert.getSerialNumber(), cert.getNotAfter().toInstant(), certPem, chainPem,
                format);
    }

    /** The same from the certificate's DER, serial and notAfter (a certificate just signed, not parsed again). */
    static Map<String, Object> certificateData(byte[] der, BigInteger serial, Instant notAfter, String certPem,
            List<String> chainPem, String format) {
        String f = format == null || format.isEmpty() ? "pem" : format;
        if (!f.equals("pem") && !f.equals("der") && !f.equals("pem_bundle")) {
            throw EngineException.badRequest("unsupported format \"" + f + "\": use pem, der or pem_bundle");
        }
        String certificate = f.equals("der") ? Base64.getEncoder().encodeToString(der) : certPem;
        List<String> caChain = f.equals("der") ? chainPem.stream().map(p -> Base64.getEncoder().encodeToString(
                der(Pem.parsedOnce(p)))).toList() : chainPem;
        if (f.equals("pem_bundle")) {
            certificate = String.join("\n", Stream.concat(Stream.of(certificate),
                    caChain.stream()).toList());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("certificate", certificate);
        out.put("issuing_ca", caChain.isEmpty() ? certificate : caChain.get(0));
        out.put("ca_chain", caChain);
        out.put("serial_number", Certs.serial(serial));
        out.put("expiration", notAfter.getEpochSecond());
        return out;
    }

    /**
     * The notAfter of a certificate valid for {@code ttl} from {@code now} (whole seconds, as X.509
     * stores them), against the issuer's own: beyond it, the issuer's leaf_not_after_behavior
     * refuses (Vault's message), truncates to the issuer's notAfter, or permits.
     */
    static Instant notAfter(Issuer issuer, Instant now, Duration ttl) {
        Instant wanted = now.truncatedTo(ChronoUnit.SECONDS).plus(ttl);
        Instant limit = issuer.cert().getNotAfter().toInstant();
        if (!wanted.isAfter(limit)) {
            return wanted;
        }
        return switch (issuer.leafNotAfterBehavior()) {
            case "permit" -> wanted;
            case "truncate" -> limit;
            default -> throw EngineException.badRequest("cannot satisfy request, as TTL would result in notAfter of "
                    + wanted + " that is beyond the expiration of the CA certificate at " + limit);
        };
    }

    static PublicKey verifiedKey(PKCS10CertificationRequest csr) {
        try {
            JcaPKCS10CertificationRequest j = new JcaPKCS10CertificationRequest(csr);
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .build(j.getPublicKey()))) {
                throw EngineException.badRequest("the CSR's signature does not verify");
            }
            PublicKey key = j.getPublicKey();
            KeyType type = KeyType.of(key);
            if (type.name().equals("rsa") && type.bits() < MIN_RSA_BITS) {
                throw EngineException.badRequest("RSA keys < " + MIN_RSA_BITS + " bits are unsafe and not supported: got "
                        + type.bits());
            }
            if (type.name().equals("ec") && type.bits() < MIN_EC_BITS) {
                throw EngineException.badRequest("EC keys on curves under " + MIN_EC_BITS + " bits are not supported: got "
                        + type.bits());
            }
            return key;
        } catch (EngineException e) {
            throw e;
        } catch (Exception e) {
            throw EngineException.badRequest("unreadable CSR: " + e.getMessage());
        }
    }

    private PkiFields() {
    }
}
