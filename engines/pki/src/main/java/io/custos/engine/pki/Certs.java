package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/** Builds X.509 v3 certificates: what goes in a CA or a leaf, signed through a {@link KeyManager}. */
final class Certs {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, Integer> KEY_USAGES = Map.ofEntries(
            Map.entry("digitalsignature", KeyUsage.digitalSignature), Map.entry("contentcommitment", KeyUsage.nonRepudiation),
            Map.entry("keyencipherment", KeyUsage.keyEncipherment), Map.entry("dataencipherment", KeyUsage.dataEncipherment),
            Map.entry("keyagreement", KeyUsage.keyAgreement), Map.entry("certsign", KeyUsage.keyCertSign),
            Map.entry("crlsign", KeyUsage.cRLSign), Map.entry("encipheronly", KeyUsage.encipherOnly),
            Map.entry("decipheronly", KeyUsage.decipherOnly));
    private static final Map<String, KeyPurposeId> EXT_KEY_USAGES = Map.of(
            "serverauth", KeyPurposeId.id_kp_serverAuth, "clientauth", KeyPurposeId.id_kp_clientAuth,
            "codesigning", KeyPurposeId.id_kp_codeSigning, "emailprotection", KeyPurposeId.id_kp_emailProtection,
            "timestamping", KeyPurposeId.id_kp_timeStamping, "ocspsigning", KeyPurposeId.id_kp_OCSPSigning);

    /** What a certificate says about its subject. */
    record Subject(String commonName, List<String> dnsNames, List<String> emails, List<InetAddress> ips,
            List<String> uris, List<String> ou, List<String> organization, List<String> country,
            List<String> locality, List<String> province, boolean excludeCnFromSans) {
    }

    /** {@code config/urls}: where relying parties find the issuer, its CRL and its OCSP responder. */
    record Urls(List<String> issuingCertificates, List<String> crlDistributionPoints, List<String> ocspServers) {
        static final Urls NONE = new Urls(List.of(), List.of(), List.of());
    }

    private Certs() {
    }

    static BigInteger newSerial() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        b[0] &= 0x7f; // positive and at most 20 octets (RFC 5280)
        return new BigInteger(1, b);
    }

    /** Vault's serial format: lower-case hex octets joined by ':'. */
    static String serial(BigInteger s) {
        String hex = s.toString(16);
        if (hex.length() % 2 == 1) {
            hex = "0" + hex;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }

    static BigInteger parseSerial(String s) {
        String hex = s.replace(":", "").replace("-", "").toLowerCase(Locale.ROOT);
        if (hex.isEmpty() || !hex.matches("[0-9a-f]+")) {
            throw EngineException.badRequest("invalid serial number \"" + s + "\"");
        }
        return new BigInteger(hex, 16);
    }

    /** The storage key of a serial: hex without separators. */
    static String key(BigInteger s) {
        return serial(s).replace(':', '-');
    }

    static X500Name name(Subject s) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        s.country().forEach(v -> b.addRDN(BCStyle.C, v));
        s.province().forEach(v -> b.addRDN(BCStyle.ST, v));
        s.locality().forEach(v -> b.addRDN(BCStyle.L, v));
        s.organization().forEach(v -> b.addRDN(BCStyle.O, v));
        s.ou().forEach(v -> b.addRDN(BCStyle.OU, v));
        if (s.commonName() != null && !s.commonName().isEmpty()) {
            b.addRDN(BCStyle.CN, s.commonName());
        }
        return b.build();
    }

    /**
     * Signs a certificate for {@code subjectKey}. {@code issuer} null means self-signed by
     * {@code signerKeyId}'s own key (a root). A CA gets basicConstraints CA:TRUE and certSign/CRLSign.
     */
    static X509Certificate build(KeyManager keys, String signerKeyId, X509Certificate issuer, X500Name subject,
            PublicKey subjectKey, Subject names, Instant notBefore, Instant notAfter, boolean ca, int maxPathLength,
            List<String> keyUsage, List<String> extKeyUsage, boolean serverFlag, boolean clientFlag) {
        return build(keys, signerKeyId, issuer, subject, subjectKey, names, notBefore, notAfter, ca, maxPathLength,
                keyUsage, extKeyUsage, serverFlag, clientFlag, Urls.NONE);
    }

    static X509Certificate build(KeyManager keys, String signerKeyId, X509Certificate issuer, X500Name subject,
            PublicKey subjectKey, Subject names, Instant notBefore, Instant notAfter, boolean ca, int maxPathLength,
            List<String> keyUsage, List<String> extKeyUsage, boolean serverFlag, boolean clientFlag, Urls urls) {
        return Pem.certificate(buildHolder(keys, signerKeyId, issuer, subject, subjectKey, names, notBefore, notAfter, ca,
                maxPathLength, keyUsage, extKeyUsage, serverFlag, clientFlag, urls));
    }

    /** The certificate as signed, not re-parsed: what issuance needs (its DER, serial and notAfter) and no more. */
    static X509CertificateHolder buildHolder(KeyManager keys, String signerKeyId, X509Certificate issuer, X500Name subject,
            PublicKey subjectKey, Subject names, Instant notBefore, Instant notAfter, boolean ca, int maxPathLength,
            List<String> keyUsage, List<String> extKeyUsage, boolean serverFlag, boolean clientFlag, Urls urls) {
        try {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded());
            IssuerParts parts = issuer == null ? new IssuerParts(subject, new AuthorityKeyIdentifier(keyId(spki)))
                    : issuerParts(issuer);
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(parts.name(), newSerial(), time(notBefore),
                    time(notAfter), subject, spki);
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spki)));
            b.addExtension(Extension.authorityKeyIdentifier, false, parts.keyIdentifier());
            if (ca) {
                b.addExtension(Extension.basicConstraints, true, maxPathLength >= 0 ? new BasicConstraints(maxPathLength)
                        : new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
                        | KeyUsage.digitalSignature));
            } else {
                addLeafUsages(b, keyUsage, extKeyUsage, serverFlag, clientFlag);
            }
            addUrls(b, urls);
            GeneralNames sans = sans(names);
            if (sans != null) {
                b.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            ContentSigner signer = keys.signer(signerKeyId);
            return b.build(signer);
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the certificate", e);
        }
    }

    /** What every certificate an issuer signs takes from it: its name and its key identifier. */
    private record IssuerParts(X500Name name, AuthorityKeyIdentifier keyIdentifier) {
    }

    private static final Map<X509Certificate, IssuerParts> ISSUER_PARTS = new ConcurrentHashMap<>();

    /** Derived once per issuer certificate (certificates are parsed once per PEM: the same object each time). */
    private static IssuerParts issuerParts(X509Certificate issuer) {
        IssuerParts p = ISSUER_PARTS.get(issuer);
        if (p == null) {
            p = new IssuerParts(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                    new AuthorityKeyIdentifier(keyId(SubjectPublicKeyInfo.getInstance(issuer.getPublicKey().getEncoded()))));
            if (ISSUER_PARTS.size() > 256) {
                ISSUER_PARTS.clear();
            }
            ISSUER_PARTS.put(issuer, p);
        }
        return p;
    }

    /** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (what JcaX509ExtensionUtils computes). */
    static byte[] keyId(SubjectPublicKeyInfo spki) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, to the second — encoded
     * directly (BouncyCastle's {@code new Time(Date)} formats and re-parses through SimpleDateFormat).
     */
    static Time time(Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
        int year = t.getYear();
        boolean utc = year >= 1950 && year < 2050;
        byte[] der = new byte[(utc ? 13 : 15) + 2];
        der[0] = (byte) (utc ? BERTags.UTC_TIME : BERTags.GENERALIZED_TIME);
        der[1] = (byte) (der.length - 2);
        int at = 2;
        if (!utc) {
            at = digits(der, at, year / 100);
        }
        at = digits(der, at, year % 100);
        for (int v : new int[] {t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()}) {
            at = digits(der, at, v);
        }
        der[at] = 'Z';
        return new Time(utc ? ASN1UTCTime.getInstance(der) : ASN1GeneralizedTime.getInstance(der));
    }

    /** Two ASCII digits of {@code v} (0–99) at {@code at}; the next position. */
    private static int digits(byte[] out, int at, int v) {
        out[at] = (byte) ('0' + v / 10);
        out[at + 1] = (byte) ('0' + v % 10);
        return at + 2;
    }

    /** A leaf's extensions: not a CA, its key usages, and its extended key usages (server/client flags first). */
    private static void addLeafUsages(X509v3CertificateBuilder b, List<String> keyUsage, List<String> extKeyUsage,
            boolean serverFlag, boolean clientFlag) throws IOException {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        int usage = 0;
        for (String u : keyUsage) {
            Integer bit = KEY_USAGES.get(u.toLowerCase(Locale.ROOT));
            if (bit == null) {
                throw EngineException.badRequest("unknown key_usage \"" + u + "\"");
            }
            usage |= bit;
        }
        if (usage != 0) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
        }
        List<KeyPurposeId> purposes = new ArrayList<>();
        if (serverFlag) {
            purposes.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (clientFlag) {
            purposes.add(KeyPurposeId.id_kp_clientAuth);
        }
        for (String u : extKeyUsage) {
            KeyPurposeId id = u.matches("[0-2](\\.[0-9]+)+")
                    ? KeyPurposeId.getInstance(new ASN1ObjectIdentifier(u))
                    : EXT_KEY_USAGES.get(u.toLowerCase(Locale.ROOT));
            if (id == null) {
                throw EngineException.badRequest("unknown ext_key_usage \"" + u + "\"");
            }
            if (!purposes.contains(id)) {
                purposes.add(id);
            }
        }
        if (!purposes.isEmpty()) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(
                    new KeyPurposeId[0])));
        }
    }

    private static void addUrls(X509v3CertificateBuilder b, Urls urls) throws IOException {
        List<AccessDescription> access = new ArrayList<>();
        urls.issuingCertificates().forEach(u -> access.add(new AccessDescription(
                AccessDescription.id_ad_caIssuers,
                new GeneralName(GeneralName.uniformResourceIdentifier, u))));
        urls.ocspServers().forEach(u -> access.add(new AccessDescription(
                AccessDescription.id_ad_ocsp,
                new GeneralName(GeneralName.uniformResourceIdentifier, u))));
        if (!access.isEmpty()) {
            b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                    access.toArray(new AccessDescription[0])));
        }
        if (!urls.crlDistributionPoints().isEmpty()) {
            List<DistributionPoint> points = new ArrayList<>();
            for (String u : urls.crlDistributionPoints()) {
                points.add(new DistributionPoint(new DistributionPointName(
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, u))), null, null));
            }
            b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(
                    points.toArray(new DistributionPoint[0])));
        }
    }

    private static GeneralNames sans(Subject s) {
        List<GeneralName> out = new ArrayList<>();
        if (s.commonName() != null && !s.commonName().isEmpty() && !s.excludeCnFromSans()) {
            if (s.commonName().contains("@")) {
                out.add(new GeneralName(GeneralName.rfc822Name, s.commonName()));
            } else if (!s.dnsNames().contains(s.commonName()) && NamePolicy.isHostname(
                    s.commonName().startsWith("*.") ? s.commonName().substring(2) : s.commonName())) {
                // as Vault: only a hostname (or wildcard) CN becomes a DNS SAN, never a name like "My Service"
                out.add(new GeneralName(GeneralName.dNSName, s.commonName()));
            }
        }
        s.dnsNames().forEach(d -> out.add(new GeneralName(GeneralName.dNSName, d)));
        s.emails().forEach(e -> out.add(new GeneralName(GeneralName.rfc822Name, e)));
        s.ips().forEach(ip -> out.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress())));
        s.uris().forEach(u -> out.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
        return out.isEmpty() ? null : new GeneralNames(out.toArray(new GeneralName[0]));
    }

}
