package io.custos.engine.pki;

import static io.custos.engine.pki.PkiFields.verifiedKey;
import static io.custos.engine.pki.PkiFields.notAfter;
import static io.custos.engine.pki.PkiFields.certificateData;
import static io.custos.engine.pki.PkiFields.DEFAULT_TTL;
import static io.custos.engine.pki.PkiFields.ISSUE_FIELDS;
import static io.custos.engine.pki.PkiFields.der;
import static io.custos.engine.pki.PkiFields.listOf;
import static io.custos.engine.pki.PkiFields.required;
import static io.custos.engine.pki.PkiFields.str;
import static io.custos.engine.pki.PkiFields.withField;
import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.PendingLease;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Issuance (OpenBao's {@code path_roles.go}, {@code path_issue_sign.go}): roles with Vault's name
 * rules, certificates issued with a key generated here or signed from a CSR, each leased when
 * asked for so its revocation follows the lease.
 */
final class IssuePaths {
    private static final List<String> DEFAULT_KEY_USAGE = List.of("DigitalSignature", "KeyAgreement", "KeyEncipherment");

    private final EngineContext context;
    private final KeyManager keys;
    private final Issuers issuers;

    IssuePaths(EngineContext context, KeyManager keys, Issuers issuers) {
        this.context = context;
        this.keys = keys;
        this.issuers = issuers;
    }

    /** Roles, issuance with a generated key, signing of CSRs, and sign-verbatim. */
    List<PathSpec> paths() {
        List<Field> csrFields = new ArrayList<>(ISSUE_FIELDS);
        csrFields.add(str("csr", "PEM certificate signing request."));
        return List.of(
                PathSpec.path("roles/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("roles/")))
                        .help("Lists roles.", "")
                        .build(),
                PathSpec.path("roles/(?P<name>[^/]+)")
                        .fields(Roles.FIELDS)
                        .existenceCheck((r, d) -> context.storage().get("roles/" + d.getString("name")).isPresent())
                        .on(UPDATE, (r, d) -> {
                            PkiRole role = Roles.from(d, role(d.getString("name")).orElse(null));
                            context.storage().put("roles/" + d.getString("name"), Json.write(role));
                            return Response.of(Roles.describe(role));
                        })
                        .on(READ, (r, d) -> role(d.getString("name")).map(x -> Response.of(Roles.describe(x))).orElse(null))
                        .on(DELETE, (r, d) -> {
                            context.storage().delete("roles/" + d.getString("name"));
                            return null;
                        })
                        .help("A role: which certificates may be issued.", "")
                        .build(),
                issuePath("issue/(?P<role>[^/]+)", false, csrFields),
                issuePath("issuer/(?P<issuer_ref_path>[^/]+)/issue/(?P<role>[^/]+)", false, csrFields),
                issuePath("sign/(?P<role>[^/]+)", true, csrFields),
                issuePath("issuer/(?P<issuer_ref_path>[^/]+)/sign/(?P<role>[^/]+)", true, csrFields),
                verbatimPath("sign-verbatim", csrFields),
                verbatimPath("sign-verbatim/(?P<role>[^/]+)", csrFields));
    }

    /**
     * Issuance without a lease that generates no RSA key (tens of milliseconds and more) may be
     * answered on the I/O thread, from the cached role, issuer and key; a stored certificate is a
     * record ({@code putRecord}) committed with others' before the answer is sent.
     */
    private boolean answersFromMemory(FieldData d, boolean fromCsr) {
        PkiRole role = role(d.getString("role")).orElse(null);
        return role != null && !role.generateLease()
                && (fromCsr || role.keyType().equals("ec") || role.keyType().equals("ed25519"));
    }

    Optional<PkiRole> role(String name) {
        return issuers.decoded().get("roles/" + name, b -> Json.read(b, PkiRole.class));
    }

    /** The subject's public key: the CSR's (checked against the role), or a pair generated here. */
    private record SubjectKey(PublicKey publicKey, KeyPair generated, KeyType type) {
    }

    /** issue/:role (csr null: the key is generated here) and sign/:role. */
    Response issue(Request request, FieldData d, PKCS10CertificationRequest csr) {
        String roleName = d.getString("role");
        PkiRole role = role(roleName).orElseThrow(() -> EngineException.badRequest("unknown role: " + roleName));
        String ref = d.getString("issuer_ref_path");
        if (ref == null || ref.isEmpty()) {
            ref = d.has("issuer_ref") ? d.getString("issuer_ref") : role.issuerRef();
        }
        Issuer issuer = issuers.signingIssuer(ref);
        String cn = d.getString("common_name");
        List<String> altNames = listOf(d, "alt_names");
        List<String> uris = listOf(d, "uri_sans");
        List<String> ipStrings = listOf(d, "ip_sans");
        SubjectKey key = subjectKey(role, csr);
        if (csr != null && (cn == null || cn.isEmpty()) && role.useCsrCommonName()) {
            cn = csrCommonName(csr);
        }
        if (csr != null && role.useCsrSans()) {
            csrSans(csr, altNames, altNames, ipStrings, uris); // alt_names: emails are told apart by '@' below
        }
        Certs.Subject subject = allowedSubject(role, cn, altNames, ipStrings, uris, d.getBool("exclude_cn_from_sans"));
        Instant now = context.clock().instant();
        List<String> warnings = new ArrayList<>();
        Instant notAfter = notAfter(issuer, now, ttl(role, d, warnings));
        X509CertificateHolder cert = Certs.buildHolder(keys, issuer.keyId(), issuer.cert(), Certs.name(subject), key.publicKey(),
                subject, now.minusSeconds(role.notBeforeDuration()), notAfter, false, -1, role.keyUsage(),
                role.effectiveExtKeyUsage(), role.serverFlag(), role.clientFlag(), issuers.urls());
        byte[] der = encoded(cert); // once: the holder encodes itself anew on every call
        String certPem = Pem.encode("CERTIFICATE", der);
        if (!role.noStore()) {
            issuers.storeCert(certPem, cert.getSerialNumber(), issuer);
        }
        PendingLease lease = null;
        if (role.generateLease()) {
            // the lease ends with the certificate; its revocation revokes the certificate
            Duration life = Duration.between(now, notAfter);
            lease = request.leases().begin(Map.of("serial_number", Certs.serial(cert.getSerialNumber()), "certificate",
                    certPem), life, life);
        }
        Response response = Response.of(issued(cert, der, certPem, notAfter, issuer, key, d));
        warnings.forEach(response::warn);
        if (lease != null) {
            try (PendingLease l = lease) {
                return l.commit(response, false);
            }
        }
        return response;
    }

    private static byte[] encoded(X509CertificateHolder cert) {
        try {
            return cert.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SubjectKey subjectKey(PkiRole role, PKCS10CertificationRequest csr) {
        if (csr == null) {
            if (role.keyType().equals("any")) {
                throw EngineException.badRequest("a role with key_type \"any\" can only sign CSRs, not issue keys");
            }
            KeyType type = KeyType.of(role.keyType(), role.keyBits());
            KeyPair generated = type.generate();
            return new SubjectKey(generated.getPublic(), generated, type);
        }
        PublicKey subjectKey = verifiedKey(csr);
        KeyType type = KeyType.of(subjectKey);
        if (!role.keyType().equals("any") && (!type.name().equals(role.keyType())
                || (role.keyBits() > 0 && type.bits() < role.keyBits()))) {
            throw EngineException.badRequest("role requires keys of type " + role.keyType()
                    + (role.keyBits() > 0 ? " with at least " + role.keyBits() + " bits" : "") + "; the CSR's key is "
                    + type);
        }
        return new SubjectKey(subjectKey, null, type);
    }

    /** The subject the role allows, or a 400 naming the first name it does not. */
    private static Certs.Subject allowedSubject(PkiRole role, String cn, List<String> altNames, List<String> ipStrings,
            List<String> uris, boolean excludeCnFromSans) {
        if ((cn == null || cn.isEmpty()) && role.requireCn()) {
            throw EngineException.badRequest("the common_name field is required, or must be provided in a CSR "
                    + "with \"use_csr_common_name\" set to true, unless \"require_cn\" is set to false");
        }
        List<String> dns = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        if (cn != null && !cn.isEmpty() && !NamePolicy.allowedName(role, cn)) {
            throw EngineException.badRequest("common name " + NamePolicy.shown(cn) + " not allowed by this role");
        }
        for (String n : altNames) {
            if (!NamePolicy.allowedName(role, n)) {
                throw EngineException.badRequest("subject alternate name " + NamePolicy.shown(n) + " not allowed by this role");
            }
            (n.contains("@") ? emails : dns).add(n);
        }
        List<InetAddress> ips = new ArrayList<>();
        for (String ip : ipStrings) {
            if (!role.allowIpSans()) {
                throw EngineException.badRequest("IP Subject Alternative Names are not allowed in this role, but was "
                        + "provided " + NamePolicy.shown(ip));
            }
            ips.add(NamePolicy.ip(ip));
        }
        for (String u : uris) {
            if (!NamePolicy.allowedUri(role, u)) {
                throw EngineException.badRequest("URI Subject Alternative Names " + NamePolicy.shown(u) + " not allowed by this role");
            }
        }
        return new Certs.Subject(cn, dns, emails, ips, uris, role.ou(), role.organization(), role.country(),
                role.locality(), role.province(), excludeCnFromSans);
    }

    /** The requested TTL, else the role's; above the role's max_ttl, max_ttl with Vault's warning. */
    private static Duration ttl(PkiRole role, FieldData d, List<String> warnings) {
        Duration max = role.maxTtl() > 0 ? Duration.ofSeconds(role.maxTtl()) : DEFAULT_TTL;
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : role.ttl() > 0 ? Duration.ofSeconds(role.ttl()) : max;
        if (ttl.compareTo(max) <= 0) {
            return ttl;
        }
        // as Vault: a longer request (cert-manager asks for its Certificate's duration) gets max_ttl
        if (d.has("ttl")) {
            warnings.add("TTL \"" + GoDuration.format(ttl) + "\" is longer than permitted maxTTL \""
                    + GoDuration.format(max) + "\", so maxTTL is being used");
        }
        return max;
    }

    /** Vault's answer: the certificate in the asked format, its chain, and a generated key once. */
    private Map<String, Object> issued(X509CertificateHolder cert, byte[] der, String certPem, Instant notAfter,
            Issuer issuer, SubjectKey key, FieldData d) {
        String format = d.getString("format");
        // notAfter as signed: Certs.time keeps whole seconds, and so does the expiration reported
        Map<String, Object> out = new LinkedHashMap<>(certificateData(der, cert.getSerialNumber(),
                notAfter, certPem, issuers.chainOf(issuer), format));
        if (key.generated() != null) {
            String pem = Pem.privateKey(key.generated(), "pkcs8".equals(d.getString("private_key_format")));
            out.put("private_key", "der".equals(format) ? Base64.getEncoder().encodeToString(key.generated()
                    .getPrivate().getEncoded()) : pem);
            out.put("private_key_type", key.type().name());
            if ("pem_bundle".equals(format)) {
                out.put("certificate", pem + "\n" + out.get("certificate"));
            }
        }
        return out;
    }

    Response signVerbatim(FieldData d) {
        Issuer issuer = issuers.signingIssuer(d.getString("issuer_ref"));
        PKCS10CertificationRequest csr = Pem.csr(required(d, "csr"));
        PublicKey key = verifiedKey(csr);
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        csrSans(csr, dns, emails, ips, uris);
        List<InetAddress> addrs = ips.stream().map(NamePolicy::ip).toList();
        Certs.Subject names = new Certs.Subject(null, dns, emails, addrs, uris, List.of(), List.of(), List.of(),
                List.of(), List.of(), true);
        Instant now = context.clock().instant();
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : DEFAULT_TTL;
        X509Certificate cert = Certs.build(keys, issuer.keyId(), issuer.cert(), csr.getSubject(), key, names,
                now.minusSeconds(30), notAfter(issuer, now, ttl), false, -1,
                d.has("key_usage") ? listOf(d, "key_usage") : DEFAULT_KEY_USAGE, listOf(d, "ext_key_usage"), false, false,
                issuers.urls());
        issuers.storeCert(cert, issuer);
        return Response.of(certificateData(cert, issuers.chainCerts(issuer), d.getString("format")));
    }

    static String csrCommonName(PKCS10CertificationRequest csr) {
        var rdns = csr.getSubject().getRDNs(BCStyle.CN);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    static void csrSans(PKCS10CertificationRequest csr, List<String> dns, List<String> emails, List<String> ips,
            List<String> uris) {
        for (var attr : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            Extensions ext = Extensions.getInstance(attr.getAttrValues().getObjectAt(0));
            GeneralNames names = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
            if (names == null) {
                continue;
            }
            for (GeneralName n : names.getNames()) {
                switch (n.getTagNo()) {
                    case GeneralName.dNSName -> dns.add(n.getName().toString());
                    case GeneralName.rfc822Name -> emails.add(n.getName().toString());
                    case GeneralName.uniformResourceIdentifier -> uris.add(n.getName().toString());
                    case GeneralName.iPAddress -> {
                        byte[] raw = ASN1OctetString.getInstance(n.getName()).getOctets();
                        try {
                            ips.add(InetAddress.getByAddress(raw).getHostAddress());
                        } catch (UnknownHostException e) {
                            throw EngineException.badRequest("CSR holds an invalid IP SAN");
                        }
                    }
                    default -> {
                    }
                }
            }
        }
    }

    PathSpec issuePath(String pattern, boolean fromCsr, List<Field> csrFields) {
        List<Field> fields = withField(fromCsr ? csrFields : ISSUE_FIELDS, str("issuer_ref_path", "Issuer in the path."));
        return PathSpec.path(pattern)
                .fields(fields)
                .on(UPDATE, (r, d) -> issue(r, d, fromCsr ? Pem.csr(required(d, "csr")) : null))
                .nonBlocking(UPDATE, (r, d) -> answersFromMemory(d, fromCsr))
                .help(fromCsr ? "Signs a CSR under a role (the key never leaves the client)."
                        : "Issues a certificate and its private key under a role.", "")
                .build();
    }

    PathSpec verbatimPath(String pattern, List<Field> csrFields) {
        return PathSpec.path(pattern)
                .fields(withField(csrFields, Field.of("key_usage", FieldType.COMMA_STRING_LIST, "Key usages."),
                        Field.of("ext_key_usage", FieldType.COMMA_STRING_LIST, "Extended key usages.")))
                .on(UPDATE, (r, d) -> signVerbatim(d))
                .help("Signs a CSR as it is (no role name checks).", "")
                .build();
    }
}
