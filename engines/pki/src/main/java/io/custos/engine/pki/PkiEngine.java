package io.custos.engine.pki;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.LeaseData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.PendingLease;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
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
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Vault's PKI secrets engine: root and intermediate CAs (several issuers per mount, a default),
 * roles with Vault's name rules, issuance with server-generated keys or from a CSR, revocation
 * with a CRL rebuilt on every revoke. Issuer keys are used only through the {@link KeyManager}.
 */
final class PkiEngine extends FrameworkEngine {
    private static final Duration DEFAULT_TTL = Duration.ofHours(768);
    /** Smallest keys a CSR may carry (Vault refuses RSA under 2048 bits). */
    static final int MIN_RSA_BITS = 2048;
    static final int MIN_EC_BITS = 256;
    private static final List<String> DEFAULT_KEY_USAGE = List.of("DigitalSignature", "KeyAgreement", "KeyEncipherment");

    private final EngineContext context;
    private final KeyManager keys;
    private final Crls crls;
    private final Ocsp ocsp;
    private final Tidy tidy;

    PkiEngine(EngineContext context, KeyManager keys) {
        this.context = context;
        this.keys = keys;
        this.crls = new Crls(context, keys);
        this.ocsp = new Ocsp(context.storage(), keys, context.clock());
        this.tidy = new Tidy(context, this::issuers, crls);
    }

    /** Scheduled work: auto-tidy and CRL auto-rebuild. */
    @Override
    public void periodic(Instant now) {
        tidy.periodic(now);
        crls.periodic(issuers());
    }

    // ---- declarations ----

    private static Field str(String name, String description) {
        return Field.of(name, FieldType.STRING, description);
    }

    private static Field bool(String name, String description) {
        return Field.of(name, FieldType.BOOL, description);
    }

    private static Field strings(String name, String description) {
        return Field.of(name, FieldType.COMMA_STRING_LIST, description);
    }

    private static final List<Field> CA_FIELDS = List.of(
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

    private static final List<Field> ISSUE_FIELDS = List.of(
            str("role", "The role."),
            str("common_name", "Subject CN; checked against the role."),
            strings("alt_names", "DNS or email SANs."), strings("ip_sans", "IP SANs."), strings("uri_sans", "URI SANs."),
            Field.of("ttl", FieldType.DURATION, "Requested validity; above the role's max_ttl, max_ttl is used (with a warning)."),
            str("format", "pem (default), der or pem_bundle."),
            str("private_key_format", "Empty or pkcs8."),
            bool("exclude_cn_from_sans", "Do not copy the CN into the SANs."),
            str("issuer_ref", "Issuer to sign with (default: the role's, else the mount default)."));

    @Override
    protected List<PathSpec> declarePaths() {
        List<Field> csrFields = new ArrayList<>(ISSUE_FIELDS);
        csrFields.add(str("csr", "PEM certificate signing request."));
        List<Field> signIntermediate = new ArrayList<>(CA_FIELDS);
        signIntermediate.add(str("csr", "The intermediate's CSR."));
        signIntermediate.add(bool("use_csr_values", "Take the subject and SANs from the CSR."));
        signIntermediate.add(str("issuer_ref", "Issuer that signs (default: the mount default)."));
        return List.of(
                PathSpec.path("root/generate/(?P<type>existing|kms)")
                        .fields(CA_FIELDS)
                        .on(UPDATE, (r, d) -> {
                            throw EngineException.badRequest("root/generate/" + d.getString("type") + " is not supported: "
                                    + "Custos has no managed (kms) or separately stored (existing) keys; use internal or "
                                    + "exported");
                        })
                        .help("Refused: managed and existing keys do not exist in Custos.", "")
                        .build(),
                PathSpec.path("root/generate/(?P<type>internal|exported)")
                        .fields(CA_FIELDS)
                        .on(UPDATE, (r, d) -> generateRoot(d))
                        .help("Generates a self-signed root CA (a new issuer).", "")
                        .build(),
                PathSpec.path("issuers/generate/root/(?P<type>internal|exported)")
                        .fields(CA_FIELDS)
                        .on(UPDATE, (r, d) -> generateRoot(d))
                        .help("Generates a root CA (the newer path).", "")
                        .build(),
                PathSpec.path("root/rotate/(?P<type>internal|exported)")
                        .fields(CA_FIELDS)
                        .on(UPDATE, (r, d) -> generateRoot(d))
                        .help("A new root beside the old one (the default issuer does not change).", "")
                        .build(),
                PathSpec.path("root")
                        .on(DELETE, (r, d) -> deleteAll())
                        .help("Deletes every issuer and key of the mount (sudo).", "")
                        .sudo()
                        .build(),
                PathSpec.path("intermediate/generate/(?P<type>internal|exported)")
                        .fields(CA_FIELDS)
                        .on(UPDATE, (r, d) -> generateIntermediate(d))
                        .help("Generates a key and a CSR for an intermediate CA.", "")
                        .build(),
                PathSpec.path("root/sign-intermediate")
                        .fields(signIntermediate)
                        .on(UPDATE, (r, d) -> signIntermediate(d))
                        .help("Signs an intermediate CA's CSR with a root.", "")
                        .build(),
                PathSpec.path("intermediate/set-signed")
                        .fields(str("certificate", "The signed intermediate certificate, optionally with its chain."))
                        .on(UPDATE, (r, d) -> setSigned(d.getString("certificate")))
                        .help("Installs the signed intermediate for its pending key.", "")
                        .build(),
                importPath("issuers/import/bundle"),
                importPath("issuers/import/cert"),
                importPath("config/ca"),
                PathSpec.path("config/issuers")
                        .fields(str("default", "The default issuer (id or name)."))
                        .on(READ, (r, d) -> Response.of(Map.of("default", defaultIssuerId().orElse(""))))
                        .on(UPDATE, (r, d) -> {
                            Issuer i = issuer(d.getString("default"));
                            context.storage().put("config/issuers", Json.write(Map.of("default", i.id())));
                            return Response.of(Map.of("default", i.id()));
                        })
                        .help("Reads or sets the default issuer.", "")
                        .build(),
                PathSpec.path("issuers/?")
                        .on(LIST, (r, d) -> listIssuers())
                        .help("Lists issuers.", "")
                        .build(),
                PathSpec.path("issuer/(?P<issuer_ref>[^/]+)/(?P<form>pem|der|json)")
                        .fields(str("issuer_ref", "Issuer id or name, or default."), str("form", "pem, der or json."))
                        .on(READ, (r, d) -> issuerForm(issuer(d.getString("issuer_ref")), d.getString("form")))
                        .help("The issuer's certificate.", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("issuer/(?P<issuer_ref>[^/]+)")
                        .fields(str("issuer_ref", "Issuer id or name, or default."),
                                str("issuer_name", "A new name for the issuer."),
                                str("leaf_not_after_behavior", "A certificate that would outlive the issuer: err "
                                        + "(refused, the default), truncate (cut to the issuer's notAfter) or permit."))
                        .on(READ, (r, d) -> Response.of(describe(issuer(d.getString("issuer_ref")))))
                        .on(UPDATE, (r, d) -> updateIssuer(issuer(d.getString("issuer_ref")), d))
                        .on(DELETE, (r, d) -> {
                            deleteIssuer(issuer(d.getString("issuer_ref")));
                            return null;
                        })
                        .help("Reads, renames or deletes an issuer.", "")
                        .build(),
                PathSpec.path("ca")
                        .on(READ, (r, d) -> Response.raw(200, "application/pkix-cert", der(issuer("default").cert())))
                        .help("The default issuer's certificate, DER.", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("ca/pem")
                        .on(READ, (r, d) -> Response.raw(200, "application/pem-file",
                                (Pem.encode(issuer("default").cert()) + "\n").getBytes()))
                        .help("The default issuer's certificate, PEM.", "")
                        .unauthenticated(READ)
                        .build(),
                caChainPath("ca_chain"),
                PathSpec.path("cert/ca_chain")
                        .on(READ, (r, d) -> {
                            List<String> chain = chainOf(issuer("default"));
                            Map<String, Object> out = new LinkedHashMap<>();
                            out.put("certificate", String.join("\n", chain));
                            out.put("ca_chain", String.join("\n", chain));
                            out.put("revocation_time", 0);
                            out.put("revocation_time_rfc3339", "");
                            return Response.of(out);
                        })
                        .help("The default issuer's chain, as JSON (certificate holds the PEM chain).", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("cert/(?P<serial>[0-9A-Fa-f:-]+|ca|crl|delta-crl)")
                        .fields(str("serial", "Serial number (colon or hyphen separated), or ca / crl."))
                        .on(READ, (r, d) -> readCert(d.getString("serial")))
                        .help("A certificate by serial number (JSON, PEM in certificate).", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("certs/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("certs/").stream()
                                .map(k -> k.replace('-', ':')).toList()))
                        .help("Serial numbers of stored certificates.", "")
                        .build(),
                PathSpec.path("certs/revoked/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("revoked/").stream()
                                .map(k -> k.replace('-', ':')).toList()))
                        .help("Serial numbers of revoked certificates.", "")
                        .build(),
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
                verbatimPath("sign-verbatim/(?P<role>[^/]+)", csrFields),
                PathSpec.path("revoke")
                        .fields(str("serial_number", "Serial of the certificate to revoke."),
                                str("certificate", "Or the certificate itself, PEM."))
                        .on(UPDATE, (r, d) -> revoke(d.getString("serial_number"), d.getString("certificate"), null))
                        .help("Revokes a certificate and rebuilds the CRL.", "")
                        .build(),
                PathSpec.path("revoke-with-key")
                        .fields(str("serial_number", "Serial of the certificate to revoke."),
                                str("certificate", "Or the certificate itself, PEM."),
                                str("private_key", "The certificate's private key, proving possession."))
                        .on(UPDATE, (r, d) -> revoke(d.getString("serial_number"), d.getString("certificate"),
                                required(d, "private_key")))
                        .help("Revokes a certificate by a holder of its private key.", "")
                        .build(),
                crlPath("crl", false, false),
                crlPath("crl/pem", true, false),
                crlPath("crl/delta", false, true),
                crlPath("crl/delta/pem", true, true),
                PathSpec.path("ocsp")
                        .on(UPDATE, (r, d) -> ocspAnswer(ocspBody(r)))
                        .help("RFC 6960 OCSP responder: POST an application/ocsp-request.", "")
                        .unauthenticated(UPDATE)
                        .build(),
                PathSpec.path("ocsp/(?P<req>.+)")
                        .fields(str("req", "The base64 DER OCSP request."))
                        .on(READ, (r, d) -> ocspAnswer(decodeOcspGet(d.getString("req"))))
                        .help("RFC 6960 OCSP responder, GET form: ocsp/<base64 request>.", "")
                        .unauthenticated(READ)
                        .lenientPath()
                        .build(),
                PathSpec.path("tidy")
                        .fields(Tidy.FIELDS)
                        .on(UPDATE, (r, d) -> {
                            Tidy.Options options = Tidy.Options.from(d, Tidy.Options.DEFAULT);
                            if (!options.certStore() && !options.revoked()) {
                                throw EngineException.badRequest("No tidy operations were requested: set "
                                        + "tidy_cert_store or tidy_revoked_certs");
                            }
                            tidy.run(options);
                            return Response.withStatus(202, null).warn("Tidy operation successfully started. Any "
                                    + "information from the operation will be printed to Vault's server logs.");
                        })
                        .help("Removes expired certificates from the store and the revocation list.", "")
                        .build(),
                PathSpec.path("tidy-status")
                        .on(READ, (r, d) -> Response.of(tidy.status()))
                        .help("The last tidy's outcome.", "")
                        .build(),
                PathSpec.path("config/auto-tidy")
                        .fields(withField(Tidy.FIELDS, bool("enabled", "Run tidy on a schedule."),
                                Field.of("interval_duration", FieldType.DURATION, "How often (default 12h).")))
                        .on(READ, (r, d) -> Response.of(tidy.autoConfig().describe()))
                        .on(UPDATE, (r, d) -> Response.of(tidy.configureAuto(d).describe()))
                        .help("Scheduled tidy.", "")
                        .build(),
                PathSpec.path("config/urls")
                        .fields(strings("issuing_certificates", "URLs of the issuer's certificate (AIA caIssuers)."),
                                strings("crl_distribution_points", "URLs of the CRL (CRL distribution points)."),
                                strings("ocsp_servers", "URLs of the OCSP responder (AIA ocsp)."))
                        .on(READ, (r, d) -> Response.of(describeUrls(urls())))
                        .on(UPDATE, (r, d) -> {
                            Certs.Urls old = urls();
                            Certs.Urls next = new Certs.Urls(
                                    d.has("issuing_certificates") ? urlList(d, "issuing_certificates") : old.issuingCertificates(),
                                    d.has("crl_distribution_points") ? urlList(d, "crl_distribution_points")
                                            : old.crlDistributionPoints(),
                                    d.has("ocsp_servers") ? urlList(d, "ocsp_servers") : old.ocspServers());
                            context.storage().put("config/urls", Json.write(next));
                            return Response.of(describeUrls(next));
                        })
                        .help("URLs written into issued certificates (AIA and CRL distribution points).", "")
                        .build(),
                PathSpec.path("crl/rotate")
                        .on(READ, (r, d) -> {
                            listIssuerIds().forEach(id -> crls.rebuild(issuer(id)));
                            return Response.of(Map.of("success", true));
                        })
                        .help("Rebuilds every issuer's CRL now.", "")
                        .build(),
                PathSpec.path("config/crl")
                        .fields(Crls.FIELDS)
                        .on(READ, (r, d) -> Response.of(crls.config().describe()))
                        .on(UPDATE, (r, d) -> {
                            crls.configure(d);
                            return null;
                        })
                        .help("CRL settings: expiry, disable.", "")
                        .build());
    }

    private PathSpec caChainPath(String path) {
        return PathSpec.path(path)
                .on(READ, (r, d) -> Response.raw(200, "application/pem-file", String.join("\n",
                        chainOf(issuer("default"))).concat("\n").getBytes()))
                .help("The default issuer's chain, PEM.", "")
                .unauthenticated(READ)
                .build();
    }

    private PathSpec importPath(String path) {
        return PathSpec.path(path)
                .fields(str("pem_bundle", "Certificates (and optionally a private key), PEM."))
                .on(UPDATE, (r, d) -> importBundle(d.getString("pem_bundle")))
                .help("Imports issuers (and a key) from a PEM bundle.", "")
                .build();
    }

    private PathSpec issuePath(String pattern, boolean fromCsr, List<Field> csrFields) {
        List<Field> fields = withField(fromCsr ? csrFields : ISSUE_FIELDS, str("issuer_ref_path", "Issuer in the path."));
        return PathSpec.path(pattern)
                .fields(fields)
                .on(UPDATE, (r, d) -> issue(r, d, fromCsr ? Pem.csr(required(d, "csr")) : null))
                .help(fromCsr ? "Signs a CSR under a role (the key never leaves the client)."
                        : "Issues a certificate and its private key under a role.", "")
                .build();
    }

    private PathSpec verbatimPath(String pattern, List<Field> csrFields) {
        return PathSpec.path(pattern)
                .fields(withField(csrFields, Field.of("key_usage", FieldType.COMMA_STRING_LIST, "Key usages."),
                        Field.of("ext_key_usage", FieldType.COMMA_STRING_LIST, "Extended key usages.")))
                .on(UPDATE, (r, d) -> signVerbatim(d))
                .help("Signs a CSR as it is (no role name checks).", "")
                .build();
    }

    private PathSpec crlPath(String path, boolean pem, boolean delta) {
        return PathSpec.path(path)
                .on(READ, (r, d) -> {
                    byte[] crl = delta ? crls.currentDelta(issuer("default")) : crls.current(issuer("default"));
                    return pem ? Response.raw(200, "application/pem-file", (Pem.encode("X509 CRL", crl) + "\n").getBytes())
                            : Response.raw(200, "application/pkix-crl", crl);
                })
                .help("The default issuer's " + (delta ? "delta CRL (config/crl enable_delta)" : "CRL") + ", "
                        + (pem ? "PEM." : "DER."), "")
                .unauthenticated(READ)
                .build();
    }

    private Certs.Urls urls() {
        return context.storage().get("config/urls").map(b -> Json.read(b, Certs.Urls.class)).orElse(Certs.Urls.NONE);
    }

    private static Map<String, Object> describeUrls(Certs.Urls u) {
        return Map.of("issuing_certificates", u.issuingCertificates(), "crl_distribution_points",
                u.crlDistributionPoints(), "ocsp_servers", u.ocspServers());
    }

    private static List<String> urlList(FieldData d, String field) {
        List<String> out = listOf(d, field);
        for (String u : out) {
            try {
                URI uri = new URI(u);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new URISyntaxException(u, "not an absolute URL");
                }
            } catch (URISyntaxException e) {
                throw EngineException.badRequest(field + ": \"" + u + "\" is not an absolute URL");
            }
        }
        return out;
    }

    private static List<Field> withField(List<Field> base, Field... more) {
        List<Field> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    // ---- issuers ----

    private Response generateRoot(FieldData d) {
        String cn = required(d, "common_name");
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : Duration.ofDays(3650);
        CaKey key = newCaKey(d);
        String keyId = key.id();
        Certs.Subject subject = subject(d, cn);
        Instant now = context.clock().instant();
        X509Certificate cert = Certs.build(keys, keyId, null, Certs.name(subject), keys.publicKey(keyId), subject,
                now.minusSeconds(30), now.plus(ttl), true, d.has("max_path_length") ? (int) d.getLong("max_path_length") : -1,
                List.of(), List.of(), false, false);
        Issuer issuer = store(new Issuer(UUID.randomUUID().toString(), uniqueName(d.getString("issuer_name")),
                Pem.encode(cert), List.of(Pem.encode(cert)), keyId));
        if (defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", issuer.id())));
        }
        Map<String, Object> out = new LinkedHashMap<>(certificateData(cert, List.of(cert), d.getString("format")));
        out.put("issuer_id", issuer.id());
        out.put("issuer_name", issuer.name());
        putKeyFields(out, key, d);
        return Response.of(out);
    }

    /** A new CA key: kept in the key manager, and for {@code exported} also returned (once). */
    private record CaKey(String id, KeyType type, KeyPair exported) {
    }

    private CaKey newCaKey(FieldData d) {
        KeyType type = KeyType.of(d.getString("key_type"), (int) d.getLong("key_bits"));
        if ("exported".equals(d.getString("type"))) {
            KeyPair pair = type.generate();
            return new CaKey(keys.importKey(pair), type, pair);
        }
        return new CaKey(keys.generate(type), type, null);
    }

    private static void putKeyFields(Map<String, Object> out, CaKey key, FieldData d) {
        out.put("key_id", key.id());
        out.put("key_type", key.type().name());
        if (key.exported() != null) {
            out.put("private_key", Pem.privateKey(key.exported(), "pkcs8".equals(d.getString("private_key_format"))));
            out.put("private_key_type", key.type().name());
        }
    }

    private Response generateIntermediate(FieldData d) {
        String cn = required(d, "common_name");
        CaKey key = newCaKey(d);
        String keyId = key.id();
        Certs.Subject subject = subject(d, cn);
        PKCS10CertificationRequest csr;
        try {
            csr = new JcaPKCS10CertificationRequestBuilder(Certs.name(subject), keys.publicKey(keyId))
                    .build(keys.signer(keyId));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot build the CSR", e);
        }
        context.storage().put("pending-keys/" + keyId, new byte[] {1});
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("csr", Pem.encode(csr));
        putKeyFields(out, key, d);
        return Response.of(out);
    }

    private Response signIntermediate(FieldData d) {
        Issuer signer = signingIssuer(d.getString("issuer_ref"));
        PKCS10CertificationRequest csr = Pem.csr(required(d, "csr"));
        PublicKey key = verifiedKey(csr);
        boolean useCsr = d.getBool("use_csr_values");
        X500Name subjectName;
        Certs.Subject subject;
        if (useCsr) {
            subjectName = csr.getSubject();
            subject = new Certs.Subject(null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                    List.of(), List.of(), true);
        } else {
            subject = subject(d, required(d, "common_name"));
            subjectName = Certs.name(subject);
        }
        Instant now = context.clock().instant();
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : DEFAULT_TTL;
        Instant notAfter = notAfter(signer, now, ttl);
        X509Certificate cert = Certs.build(keys, signer.keyId(), signer.cert(), subjectName, key, subject,
                now.minusSeconds(30), notAfter, true, intermediatePathLength(signer.cert(),
                        d.has("max_path_length") ? (int) d.getLong("max_path_length") : -1),
                List.of(), List.of(), false, false, urls());
        storeCert(cert, signer);
        List<X509Certificate> chain = new ArrayList<>(List.of(cert));
        chain.addAll(chainCerts(signer));
        return Response.of(certificateData(cert, chain, d.getString("format")));
    }

    /**
     * An intermediate's path length as Vault sets it: within the signer's constraint (its length
     * minus one, also when none was asked for), and no intermediate at all under a signer whose
     * length is zero.
     */
    static int intermediatePathLength(X509Certificate signer, int requested) {
        int signerLength = signer.getBasicConstraints(); // Integer.MAX_VALUE: unconstrained
        if (signerLength == 0) {
            throw EngineException.badRequest("signing certificate has a max path length of zero, and cannot issue "
                    + "further CA certificates");
        }
        if (signerLength == Integer.MAX_VALUE || signerLength < 0) {
            return requested;
        }
        int limit = signerLength - 1;
        return requested < 0 || requested > limit ? limit : requested;
    }

    private Response setSigned(String pem) {
        List<X509Certificate> certs = Pem.certificates(pem == null ? "" : pem);
        if (certs.isEmpty()) {
            throw EngineException.badRequest("certificate: no PEM certificate given");
        }
        X509Certificate cert = certs.get(0);
        String keyId = null;
        for (String pending : context.storage().list("pending-keys/")) {
            if (keys.publicKey(pending).equals(cert.getPublicKey())) {
                keyId = pending;
            }
        }
        if (keyId == null) {
            throw EngineException.badRequest("the certificate does not match any key generated by "
                    + "intermediate/generate here");
        }
        List<String> chain = new ArrayList<>();
        certs.forEach(c -> chain.add(Pem.encode(c)));
        Issuer issuer = store(new Issuer(UUID.randomUUID().toString(), uniqueName(""), Pem.encode(cert),
                chain, keyId));
        context.storage().delete("pending-keys/" + keyId);
        if (defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", issuer.id())));
        }
        return Response.of(Map.of("imported_issuers", List.of(issuer.id()), "imported_keys", List.of(keyId),
                "existing_issuers", List.of(), "existing_keys", List.of()));
    }

    private Response importBundle(String pem) {
        if (pem == null || pem.isBlank()) {
            throw EngineException.badRequest("pem_bundle must be given");
        }
        List<X509Certificate> certs = Pem.certificates(pem);
        KeyPair pair = Pem.keyPair(pem);
        String keyId = pair == null ? null : keys.importKey(pair);
        List<String> imported = new ArrayList<>();
        for (X509Certificate c : certs) {
            if (c.getBasicConstraints() < 0) {
                continue;
            }
            boolean ours = pair != null && c.getPublicKey().equals(pair.getPublic());
            Issuer i = store(new Issuer(UUID.randomUUID().toString(), uniqueName(""), Pem.encode(c),
                    List.of(Pem.encode(c)), ours ? keyId : ""));
            imported.add(i.id());
        }
        if (imported.isEmpty()) {
            throw EngineException.badRequest("pem_bundle holds no CA certificate");
        }
        if (defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", imported.get(0))));
        }
        return Response.of(Map.of("imported_issuers", imported, "imported_keys", keyId == null ? List.of() : List.of(keyId)));
    }

    private Response deleteAll() {
        for (String id : listIssuerIds()) {
            Issuer i = issuer(id);
            if (i.canSign()) {
                keys.delete(i.keyId());
            }
            context.storage().delete("issuers/" + id);
        }
        context.storage().delete("config/issuers");
        return null;
    }

    private void deleteIssuer(Issuer i) {
        context.storage().delete("issuers/" + i.id());
        // the key goes with its last issuer: Custos has no key API, so nothing could use or delete it later
        if (i.canSign() && listIssuerIds().stream().map(this::issuer).noneMatch(o -> i.keyId().equals(o.keyId()))) {
            keys.delete(i.keyId());
        }
        if (defaultIssuerId().filter(i.id()::equals).isPresent()) {
            context.storage().delete("config/issuers");
        }
    }

    private Response updateIssuer(Issuer i, FieldData d) {
        Issuer updated = i;
        String name = d.getString("issuer_name");
        if (name != null && !name.isEmpty() && !name.equals(i.name())) {
            updated = updated.named(uniqueName(name));
        }
        if (d.has("leaf_not_after_behavior")) {
            String behavior = d.getString("leaf_not_after_behavior");
            if (!Issuer.LEAF_NOT_AFTER_BEHAVIORS.contains(behavior)) {
                throw EngineException.badRequest("invalid value for leaf_not_after_behavior: " + behavior
                        + " (must be err, truncate or permit)");
            }
            updated = updated.withLeafNotAfterBehavior(behavior);
        }
        return Response.of(describe(updated == i ? i : store(updated)));
    }

    private Response listIssuers() {
        List<String> ids = listIssuerIds();
        if (ids.isEmpty()) {
            return null;
        }
        Map<String, Object> info = new LinkedHashMap<>();
        for (String id : ids) {
            Issuer i = issuer(id);
            info.put(id, Map.of("issuer_name", i.name(), "is_default", defaultIssuerId().filter(id::equals).isPresent()));
        }
        return Response.of(Map.of("keys", ids, "key_info", info));
    }

    private Response issuerForm(Issuer i, String form) {
        X509Certificate c = i.cert();
        return switch (form) {
            case "der" -> Response.raw(200, "application/pkix-cert", der(c));
            case "pem" -> Response.raw(200, "application/pem-file", (Pem.encode(c) + "\n").getBytes());
            default -> Response.of(Map.of("certificate", Pem.encode(c), "ca_chain", chainOf(i), "issuer_id", i.id(),
                    "issuer_name", i.name()));
        };
    }

    private Map<String, Object> describe(Issuer i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer_id", i.id());
        m.put("issuer_name", i.name());
        m.put("key_id", i.keyId() == null ? "" : i.keyId());
        m.put("certificate", i.certificate());
        m.put("ca_chain", chainOf(i));
        m.put("leaf_not_after_behavior", i.leafNotAfterBehavior());
        return m;
    }

    private Issuer store(Issuer i) {
        context.storage().put("issuers/" + i.id(), Json.write(i));
        return i;
    }

    private List<String> listIssuerIds() {
        return context.storage().list("issuers/").stream().filter(k -> !k.endsWith("/")).toList();
    }

    private List<Issuer> issuers() {
        return listIssuerIds().stream().map(this::issuer).toList();
    }

    private Optional<String> defaultIssuerId() {
        return context.storage().get("config/issuers").map(b -> (String) Json.readMap(b).get("default"))
                .filter(s -> !s.isEmpty());
    }

    /** An issuer by id, name or {@code default}; 400 when none matches. */
    Issuer issuer(String ref) {
        String r = ref == null || ref.isEmpty() ? "default" : ref;
        if (r.equals("default")) {
            String id = defaultIssuerId().orElseThrow(() -> EngineException.badRequest(
                    "no default issuer currently configured"));
            return load(id).orElseThrow(() -> EngineException.badRequest("no default issuer currently configured"));
        }
        Optional<Issuer> byId = load(r);
        if (byId.isPresent()) {
            return byId.get();
        }
        for (String id : listIssuerIds()) {
            Issuer i = load(id).orElse(null);
            if (i != null && r.equals(i.name())) {
                return i;
            }
        }
        throw EngineException.badRequest("unable to find PKI issuer for reference: " + r);
    }

    private Optional<Issuer> load(String id) {
        if (id.contains("/")) {
            return Optional.empty();
        }
        return context.storage().get("issuers/" + id).map(b -> Json.read(b, Issuer.class));
    }

    private Issuer signingIssuer(String ref) {
        Issuer i = issuer(ref);
        if (!i.canSign()) {
            throw EngineException.badRequest("issuer " + i.id() + " has no key here and cannot sign");
        }
        return i;
    }

    private String uniqueName(String wanted) {
        if (wanted == null || wanted.isEmpty()) {
            return "";
        }
        if (!wanted.matches("[A-Za-z0-9_-]+") || wanted.equals("default")) {
            throw EngineException.badRequest("issuer_name must be letters, digits, '-' or '_' (and not \"default\")");
        }
        for (String id : listIssuerIds()) {
            if (load(id).map(Issuer::name).filter(wanted::equals).isPresent()) {
                throw EngineException.badRequest("issuer name already in use: " + wanted);
            }
        }
        return wanted;
    }

    private List<String> chainOf(Issuer i) {
        return i.caChain() == null || i.caChain().isEmpty() ? List.of(i.certificate()) : i.caChain();
    }

    private List<X509Certificate> chainCerts(Issuer i) {
        List<X509Certificate> out = new ArrayList<>();
        chainOf(i).forEach(p -> out.addAll(Pem.certificates(p)));
        return out;
    }

    /**
     * The notAfter of a certificate valid for {@code ttl} from {@code now} (whole seconds, as X.509
     * stores them), against the issuer's own: beyond it, the issuer's leaf_not_after_behavior
     * refuses (Vault's message), truncates to the issuer's notAfter, or permits.
     */
    private static Instant notAfter(Issuer issuer, Instant now, Duration ttl) {
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

    // ---- issuance ----

    private Optional<PkiRole> role(String name) {
        return context.storage().get("roles/" + name).map(b -> Json.read(b, PkiRole.class));
    }

    /** issue/:role (csr null: the key is generated here) and sign/:role. */
    private Response issue(Request request, FieldData d, PKCS10CertificationRequest csr) {
        String roleName = d.getString("role");
        PkiRole role = role(roleName).orElseThrow(() -> EngineException.badRequest("unknown role: " + roleName));
        String ref = d.getString("issuer_ref_path");
        if (ref == null || ref.isEmpty()) {
            ref = d.has("issuer_ref") ? d.getString("issuer_ref") : role.issuerRef();
        }
        Issuer issuer = signingIssuer(ref);

        String cn = d.getString("common_name");
        List<String> altNames = listOf(d, "alt_names");
        List<String> uris = listOf(d, "uri_sans");
        List<String> ipStrings = listOf(d, "ip_sans");
        PublicKey subjectKey;
        KeyPair generated = null;
        KeyType type;
        if (csr != null) {
            subjectKey = verifiedKey(csr);
            type = KeyType.of(subjectKey);
            if (!role.keyType().equals("any") && (!type.name().equals(role.keyType())
                    || (role.keyBits() > 0 && type.bits() < role.keyBits()))) {
                throw EngineException.badRequest("role requires keys of type " + role.keyType()
                        + (role.keyBits() > 0 ? " with at least " + role.keyBits() + " bits" : "") + "; the CSR's key is "
                        + type);
            }
            if ((cn == null || cn.isEmpty()) && role.useCsrCommonName()) {
                cn = csrCommonName(csr);
            }
            if (role.useCsrSans()) {
                csrSans(csr, altNames, altNames, ipStrings, uris); // alt_names: emails are told apart by '@' below
            }
        } else {
            if (role.keyType().equals("any")) {
                throw EngineException.badRequest("a role with key_type \"any\" can only sign CSRs, not issue keys");
            }
            type = KeyType.of(role.keyType(), role.keyBits());
            generated = type.generate();
            subjectKey = generated.getPublic();
        }
        if ((cn == null || cn.isEmpty()) && role.requireCn()) {
            throw EngineException.badRequest("the common_name field is required, or must be provided in a CSR "
                    + "with \"use_csr_common_name\" set to true, unless \"require_cn\" is set to false");
        }
        List<String> dns = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        if (cn != null && !cn.isEmpty() && !NamePolicy.allowedName(role, cn)) {
            throw EngineException.badRequest("common name " + cn + " not allowed by this role");
        }
        for (String n : altNames) {
            if (!NamePolicy.allowedName(role, n)) {
                throw EngineException.badRequest("subject alternate name " + n + " not allowed by this role");
            }
            (n.contains("@") ? emails : dns).add(n);
        }
        List<InetAddress> ips = new ArrayList<>();
        for (String ip : ipStrings) {
            if (!role.allowIpSans()) {
                throw EngineException.badRequest("IP Subject Alternative Names are not allowed in this role, but was "
                        + "provided " + ip);
            }
            ips.add(NamePolicy.ip(ip));
        }
        for (String u : uris) {
            if (!NamePolicy.allowedUri(role, u)) {
                throw EngineException.badRequest("URI Subject Alternative Names " + u + " not allowed by this role");
            }
        }
        Instant now = context.clock().instant();
        Duration max = role.maxTtl() > 0 ? Duration.ofSeconds(role.maxTtl()) : DEFAULT_TTL;
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : role.ttl() > 0 ? Duration.ofSeconds(role.ttl()) : max;
        List<String> warnings = new ArrayList<>();
        if (ttl.compareTo(max) > 0) {
            // as Vault: a longer request (cert-manager asks for its Certificate's duration) gets max_ttl
            if (d.has("ttl")) {
                warnings.add("TTL \"" + GoDuration.format(ttl) + "\" is longer than permitted maxTTL \""
                        + GoDuration.format(max) + "\", so maxTTL is being used");
            }
            ttl = max;
        }
        Instant notAfter = notAfter(issuer, now, ttl);
        Certs.Subject subject = new Certs.Subject(cn, dns, emails, ips, uris, role.ou(), role.organization(),
                role.country(), role.locality(), role.province(), d.getBool("exclude_cn_from_sans"));
        X509Certificate cert = Certs.build(keys, issuer.keyId(), issuer.cert(), Certs.name(subject), subjectKey, subject,
                now.minusSeconds(role.notBeforeDuration()), notAfter, false, -1, role.keyUsage(), role.effectiveExtKeyUsage(),
                role.serverFlag(), role.clientFlag(), urls());
        String certPem = Pem.encode(cert);
        if (!role.noStore()) {
            storeCert(certPem, cert, issuer);
        }
        PendingLease lease = null;
        if (role.generateLease()) {
            // the lease ends with the certificate; its revocation revokes the certificate
            Duration life = Duration.between(now, notAfter);
            lease = request.leases().begin(Map.of("serial_number", Certs.serial(cert.getSerialNumber()), "certificate",
                    certPem), life, life);
        }
        String format = d.getString("format");
        Map<String, Object> out = new LinkedHashMap<>(certificateData(cert, certPem, chainOf(issuer), format));
        if (generated != null) {
            String key = Pem.privateKey(generated, "pkcs8".equals(d.getString("private_key_format")));
            out.put("private_key", "der".equals(format) ? Base64.getEncoder().encodeToString(generated.getPrivate()
                    .getEncoded()) : key);
            out.put("private_key_type", type.name());
            if ("pem_bundle".equals(format)) {
                out.put("certificate", key + "\n" + out.get("certificate"));
            }
        }
        Response response = Response.of(out);
        warnings.forEach(response::warn);
        if (lease != null) {
            try (PendingLease l = lease) {
                return l.commit(response, false);
            }
        }
        return response;
    }

    /** A certificate's lease ended or was revoked: the certificate is revoked (idempotent). */
    @Override
    public void revokeLease(LeaseData lease) {
        String pem = lease.string("certificate");
        if (pem == null || listIssuerIds().isEmpty()) {
            return;
        }
        X509Certificate cert = Pem.certificates(pem).get(0);
        if (cert.getNotAfter().toInstant().isBefore(context.clock().instant())) {
            return; // expired: nothing left to revoke
        }
        revoke(null, pem, null);
    }

    private Response signVerbatim(FieldData d) {
        Issuer issuer = signingIssuer(d.getString("issuer_ref"));
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
                urls());
        storeCert(cert, issuer);
        return Response.of(certificateData(cert, chainCerts(issuer), d.getString("format")));
    }

    private static PublicKey verifiedKey(PKCS10CertificationRequest csr) {
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

    private static String csrCommonName(PKCS10CertificationRequest csr) {
        var rdns = csr.getSubject().getRDNs(BCStyle.CN);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    private static void csrSans(PKCS10CertificationRequest csr, List<String> dns, List<String> emails, List<String> ips,
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

    private Certs.Subject subject(FieldData d, String cn) {
        List<InetAddress> ips = listOf(d, "ip_sans").stream().map(NamePolicy::ip).toList();
        List<String> dns = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        listOf(d, "alt_names").forEach(n -> (n.contains("@") ? emails : dns).add(n));
        return new Certs.Subject(cn, dns, emails, ips, listOf(d, "uri_sans"), listOf(d, "ou"), listOf(d, "organization"),
                listOf(d, "country"), listOf(d, "locality"), listOf(d, "province"), false);
    }

    private Map<String, Object> certificateData(X509Certificate cert, List<X509Certificate> chain, String format) {
        List<String> pems = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!c.equals(cert)) {
                pems.add(Pem.encode(c));
            }
        }
        return certificateData(cert, Pem.encode(cert), pems, format);
    }

    /** Vault's certificate fields; {@code chainPem} is the issuing chain (issuer first), already PEM. */
    private Map<String, Object> certificateData(X509Certificate cert, String certPem, List<String> chainPem,
            String format) {
        String f = format == null || format.isEmpty() ? "pem" : format;
        if (!f.equals("pem") && !f.equals("der") && !f.equals("pem_bundle")) {
            throw EngineException.badRequest("unsupported format \"" + f + "\": use pem, der or pem_bundle");
        }
        String certificate = f.equals("der") ? Base64.getEncoder().encodeToString(der(cert)) : certPem;
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
        out.put("serial_number", Certs.serial(cert.getSerialNumber()));
        out.put("expiration", cert.getNotAfter().toInstant().getEpochSecond());
        return out;
    }

    private void storeCert(X509Certificate cert, Issuer issuer) {
        storeCert(Pem.encode(cert), cert, issuer);
    }

    private void storeCert(String pem, X509Certificate cert, Issuer issuer) {
        context.storage().put("certs/" + Certs.key(cert.getSerialNumber()), Json.write(Map.of("certificate", pem,
                "issuer_id", issuer.id())));
    }

    private Response readCert(String serial) {
        if (serial.equals("ca")) {
            return Response.of(Map.of("certificate", issuer("default").certificate()));
        }
        if (serial.equals("crl")) {
            return Response.of(Map.of("certificate", Pem.encode("X509 CRL", crls.current(issuer("default")))));
        }
        BigInteger s = Certs.parseSerial(serial);
        Optional<byte[]> stored = context.storage().get("certs/" + Certs.key(s));
        if (stored.isEmpty()) {
            return null;
        }
        Map<String, Object> m = Json.readMap(stored.get());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("certificate", m.get("certificate"));
        Optional<byte[]> revoked = context.storage().get("revoked/" + Certs.key(s));
        long when = revoked.map(b -> Json.readMap(b).get("revocation_time")).map(t -> ((Number) t).longValue()).orElse(0L);
        out.put("revocation_time", when);
        out.put("revocation_time_rfc3339", when == 0 ? "" : Instant.ofEpochSecond(when).toString());
        out.put("issuer_id", m.getOrDefault("issuer_id", ""));
        return Response.of(out);
    }

    // ---- revocation ----

    /**
     * Whether {@code key} is the private half of {@code certKey}, shown by signing a fresh random
     * challenge with it and verifying that with the certificate's key. Comparing the public key a
     * PEM structure carries (or derives without checking) is not proof: an EC key with d = 1 and the
     * victim's public point, or RSA with the victim's n and e and garbage primes, carries the right
     * public key but cannot produce a signature that verifies.
     */
    static boolean provesPossession(PrivateKey key, PublicKey certKey) {
        String alg = switch (certKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(certKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a key of another type or a malformed one proves nothing
        }
    }

    private Response revoke(String serialText, String certPem, String privateKeyPem) {
        X509Certificate cert;
        BigInteger serial;
        if (certPem != null && !certPem.isEmpty()) {
            List<X509Certificate> given = Pem.certificates(certPem);
            if (given.isEmpty()) {
                throw EngineException.badRequest("certificate: no PEM certificate given");
            }
            cert = given.get(0);
            serial = cert.getSerialNumber();
        } else if (serialText != null && !serialText.isEmpty()) {
            serial = Certs.parseSerial(serialText);
            cert = context.storage().get("certs/" + Certs.key(serial))
                    .map(b -> Pem.certificates((String) Json.readMap(b).get("certificate")).get(0)).orElse(null);
        } else {
            throw EngineException.badRequest("one of serial_number or certificate is required");
        }
        if (cert == null) {
            throw EngineException.badRequest("certificate with serial " + Certs.serial(serial)
                    + " not found (certificates issued with no_store can be revoked by giving the certificate)");
        }
        if (privateKeyPem != null) {
            KeyPair pair = Pem.keyPair(privateKeyPem);
            if (pair == null || !provesPossession(pair.getPrivate(), cert.getPublicKey())) {
                throw EngineException.badRequest("the private key does not match the certificate");
            }
        }
        Issuer issuer = issuerOf(cert);
        if (cert.getBasicConstraints() >= 0 && issuers().stream()
                .anyMatch(i -> i.cert().equals(cert))) {
            throw EngineException.badRequest("adding issuer (id: " + Certs.serial(serial) + ") to its own CRL is "
                    + "not allowed");
        }
        String key = Certs.key(serial);
        Optional<byte[]> already = context.storage().get("revoked/" + key);
        long when = already.map(b -> ((Number) Json.readMap(b).get("revocation_time")).longValue())
                .orElse(context.clock().instant().getEpochSecond());
        if (already.isEmpty()) {
            context.storage().put("revoked/" + key, Json.write(Map.of("revocation_time", when, "issuer_id", issuer.id(),
                    "certificate", Pem.encode(cert))));
            crls.revoked(issuer);
        }
        return Response.of(Map.of("revocation_time", when, "revocation_time_rfc3339", Instant.ofEpochSecond(when)
                .toString(), "state", "revoked"));
    }

    private Issuer issuerOf(X509Certificate cert) {
        for (Issuer i : issuers()) {
            try {
                cert.verify(i.cert().getPublicKey());
                return i;
            } catch (Exception e) {
                // not this one
            }
        }
        throw EngineException.badRequest("the certificate was not issued by any issuer of this mount");
    }

    private Response ocspAnswer(byte[] request) {
        if (crls.config().ocspDisable()) {
            return Response.raw(401, "application/ocsp-response", new byte[0]);
        }
        return Response.raw(200, "application/ocsp-response", ocsp.respond(request, issuers(), Duration.ofHours(12)));
    }

    /**
     * RFC 6960 §A.1's GET: the URL-encoded base64 of the DER request after {@code ocsp/}. The
     * broker has percent-decoded the path; base64's '/' may have arrived encoded or doubled, which
     * is why the path is declared lenient. What does not decode is answered "malformedRequest".
     */
    private static byte[] decodeOcspGet(String encoded) {
        String s = encoded == null ? "" : encoded.trim();
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getDecoder().decode(URLDecoder.decode(s.replace("+", "%2B"),
                        StandardCharsets.UTF_8));
            } catch (IllegalArgumentException again) {
                return new byte[0]; // answered as a malformed request
            }
        }
    }

    /** The POST body: the broker hands non-JSON bodies over as the context's raw body. */
    private static byte[] ocspBody(Request r) {
        byte[] body = r.context().rawBody();
        return body == null ? new byte[0] : body;
    }

    // ---- helpers ----

    private static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> listOf(FieldData d, String field) {
        List<String> v = d.getAs(field);
        return v == null ? new ArrayList<>() : new ArrayList<>(v);
    }

    private static String required(FieldData d, String field) {
        String v = d.getString(field);
        if (v == null || v.isEmpty()) {
            throw EngineException.badRequest("missing " + field);
        }
        return v;
    }

    static String ttlText(long seconds) {
        return GoDuration.format(Duration.ofSeconds(seconds));
    }
}
