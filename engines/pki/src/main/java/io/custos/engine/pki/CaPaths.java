package io.custos.engine.pki;

import static io.custos.engine.pki.PkiFields.verifiedKey;
import static io.custos.engine.pki.PkiFields.notAfter;
import static io.custos.engine.pki.PkiFields.certificateData;
import static io.custos.engine.pki.PkiFields.subject;
import static io.custos.engine.pki.PkiFields.CA_FIELDS;
import static io.custos.engine.pki.PkiFields.DEFAULT_TTL;
import static io.custos.engine.pki.PkiFields.bool;
import static io.custos.engine.pki.PkiFields.der;
import static io.custos.engine.pki.PkiFields.listOf;
import static io.custos.engine.pki.PkiFields.required;
import static io.custos.engine.pki.PkiFields.str;
import static io.custos.engine.pki.PkiFields.strings;
import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The CA side of the PKI engine (OpenBao's {@code path_root.go}, {@code path_intermediate.go},
 * {@code path_fetch_issuers.go}, {@code path_config_urls.go}): generating and importing issuers,
 * signing intermediates, and serving their certificates.
 */
final class CaPaths {
    private final EngineContext context;
    private final KeyManager keys;
    private final Issuers issuers;

    CaPaths(EngineContext context, KeyManager keys, Issuers issuers) {
        this.context = context;
        this.keys = keys;
        this.issuers = issuers;
    }

    /** Root and intermediate CAs, imports, issuers, the CA certificate and chain, and the issuing URLs. */
    List<PathSpec> paths() {
        List<PathSpec> all = new ArrayList<>(caPaths());
        all.addAll(issuerPaths());
        all.addAll(urlPaths());
        return all;
    }

    /** Generating, rotating, signing and importing CAs. */
    private List<PathSpec> caPaths() {
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
                        .on(DELETE, (r, d) -> issuers.deleteAll())
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
                importPath("config/ca"));
    }

    /** The default issuer, the issuers, and their certificates and chains (public). */
    private List<PathSpec> issuerPaths() {
        return List.of(
                PathSpec.path("config/issuers")
                        .fields(str("default", "The default issuer (id or name)."))
                        .on(READ, (r, d) -> Response.of(Map.of("default", issuers.defaultIssuerId().orElse(""))))
                        .on(UPDATE, (r, d) -> {
                            Issuer i = issuers.issuer(d.getString("default"));
                            context.storage().put("config/issuers", Json.write(Map.of("default", i.id())));
                            return Response.of(Map.of("default", i.id()));
                        })
                        .help("Reads or sets the default issuer.", "")
                        .build(),
                PathSpec.path("issuers/?")
                        .on(LIST, (r, d) -> issuers.listIssuers())
                        .help("Lists issuers.", "")
                        .build(),
                PathSpec.path("issuer/(?P<issuer_ref>[^/]+)/(?P<form>pem|der|json)")
                        .fields(str("issuer_ref", "Issuer id or name, or default."), str("form", "pem, der or json."))
                        .on(READ, (r, d) -> issuers.issuerForm(issuers.issuer(d.getString("issuer_ref")), d.getString("form")))
                        .help("The issuer's certificate.", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("issuer/(?P<issuer_ref>[^/]+)")
                        .fields(str("issuer_ref", "Issuer id or name, or default."),
                                str("issuer_name", "A new name for the issuer."),
                                str("leaf_not_after_behavior", "A certificate that would outlive the issuer: err "
                                        + "(refused, the default), truncate (cut to the issuer's notAfter) or permit."))
                        .on(READ, (r, d) -> Response.of(issuers.describe(issuers.issuer(d.getString("issuer_ref")))))
                        .on(UPDATE, (r, d) -> issuers.updateIssuer(issuers.issuer(d.getString("issuer_ref")), d))
                        .on(DELETE, (r, d) -> {
                            issuers.deleteIssuer(issuers.issuer(d.getString("issuer_ref")));
                            return null;
                        })
                        .help("Reads, renames or deletes an issuer.", "")
                        .build(),
                PathSpec.path("ca")
                        .on(READ, (r, d) -> Response.raw(200, "application/pkix-cert", der(issuers.issuer("default").cert())))
                        .help("The default issuer's certificate, DER.", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("ca/pem")
                        .on(READ, (r, d) -> Response.raw(200, "application/pem-file",
                                (Pem.encode(issuers.issuer("default").cert()) + "\n").getBytes()))
                        .help("The default issuer's certificate, PEM.", "")
                        .unauthenticated(READ)
                        .build(),
                caChainPath("ca_chain"),
                caChainJsonPath());
    }

    private PathSpec caChainJsonPath() {
        return PathSpec.path("cert/ca_chain")
                .on(READ, (r, d) -> {
                    List<String> chain = issuers.chainOf(issuers.issuer("default"));
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("certificate", String.join("\n", chain));
                    out.put("ca_chain", String.join("\n", chain));
                    out.put("revocation_time", 0);
                    out.put("revocation_time_rfc3339", "");
                    return Response.of(out);
                })
                .help("The default issuer's chain, as JSON (certificate holds the PEM chain).", "")
                .unauthenticated(READ)
                .build();
    }

    /** The URLs written into issued certificates (AIA, CRL distribution points). */
    private List<PathSpec> urlPaths() {
        return List.of(
                PathSpec.path("config/urls")
                        .fields(strings("issuing_certificates", "URLs of the issuer's certificate (AIA caIssuers)."),
                                strings("crl_distribution_points", "URLs of the CRL (CRL distribution points)."),
                                strings("ocsp_servers", "URLs of the OCSP responder (AIA ocsp)."))
                        .on(READ, (r, d) -> Response.of(describeUrls(issuers.urls())))
                        .on(UPDATE, (r, d) -> {
                            Certs.Urls old = issuers.urls();
                            Certs.Urls next = new Certs.Urls(
                                    d.has("issuing_certificates") ? urlList(d, "issuing_certificates") : old.issuingCertificates(),
                                    d.has("crl_distribution_points") ? urlList(d, "crl_distribution_points")
                                            : old.crlDistributionPoints(),
                                    d.has("ocsp_servers") ? urlList(d, "ocsp_servers") : old.ocspServers());
                            context.storage().put("config/urls", Json.write(next));
                            return Response.of(describeUrls(next));
                        })
                        .help("URLs written into issued certificates (AIA and CRL distribution points).", "")
                        .build());
    }

    Response generateRoot(FieldData d) {
        String cn = required(d, "common_name");
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : Duration.ofDays(3650);
        CaKey key = newCaKey(d);
        String keyId = key.id();
        Certs.Subject subject = subject(d, cn);
        Instant now = context.clock().instant();
        X509Certificate cert = Certs.build(keys, keyId, null, Certs.name(subject), keys.publicKey(keyId), subject,
                now.minusSeconds(30), now.plus(ttl), true, d.has("max_path_length") ? (int) d.getLong("max_path_length") : -1,
                List.of(), List.of(), false, false);
        Issuer issuer = issuers.store(new Issuer(UUID.randomUUID().toString(), issuers.uniqueName(d.getString("issuer_name")),
                Pem.encode(cert), List.of(Pem.encode(cert)), keyId));
        if (issuers.defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", issuer.id())));
        }
        Map<String, Object> out = new LinkedHashMap<>(certificateData(cert, List.of(cert), d.getString("format")));
        out.put("issuer_id", issuer.id());
        out.put("issuer_name", issuer.name());
        putKeyFields(out, key, d);
        return Response.of(out);
    }

    /** A new CA key: kept in the key manager, and for {@code exported} also returned (once). */
    record CaKey(String id, KeyType type, KeyPair exported) {
    }

    CaKey newCaKey(FieldData d) {
        KeyType type = KeyType.of(d.getString("key_type"), (int) d.getLong("key_bits"));
        if ("exported".equals(d.getString("type"))) {
            KeyPair pair = type.generate();
            return new CaKey(keys.importKey(pair), type, pair);
        }
        return new CaKey(keys.generate(type), type, null);
    }

    static void putKeyFields(Map<String, Object> out, CaKey key, FieldData d) {
        out.put("key_id", key.id());
        out.put("key_type", key.type().name());
        if (key.exported() != null) {
            out.put("private_key", Pem.privateKey(key.exported(), "pkcs8".equals(d.getString("private_key_format"))));
            out.put("private_key_type", key.type().name());
        }
    }

    Response generateIntermediate(FieldData d) {
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

    Response signIntermediate(FieldData d) {
        Issuer signer = issuers.signingIssuer(d.getString("issuer_ref"));
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
                List.of(), List.of(), false, false, issuers.urls());
        issuers.storeCert(cert, signer);
        List<X509Certificate> chain = new ArrayList<>(List.of(cert));
        chain.addAll(issuers.chainCerts(signer));
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

    Response setSigned(String pem) {
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
        Issuer issuer = issuers.store(new Issuer(UUID.randomUUID().toString(), issuers.uniqueName(""), Pem.encode(cert),
                chain, keyId));
        context.storage().delete("pending-keys/" + keyId);
        if (issuers.defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", issuer.id())));
        }
        return Response.of(Map.of("imported_issuers", List.of(issuer.id()), "imported_keys", List.of(keyId),
                "existing_issuers", List.of(), "existing_keys", List.of()));
    }

    Response importBundle(String pem) {
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
            Issuer i = issuers.store(new Issuer(UUID.randomUUID().toString(), issuers.uniqueName(""), Pem.encode(c),
                    List.of(Pem.encode(c)), ours ? keyId : ""));
            imported.add(i.id());
        }
        if (imported.isEmpty()) {
            throw EngineException.badRequest("pem_bundle holds no CA certificate");
        }
        if (issuers.defaultIssuerId().isEmpty()) {
            context.storage().put("config/issuers", Json.write(Map.of("default", imported.get(0))));
        }
        return Response.of(Map.of("imported_issuers", imported, "imported_keys", keyId == null ? List.of() : List.of(keyId)));
    }

    PathSpec caChainPath(String path) {
        return PathSpec.path(path)
                .on(READ, (r, d) -> Response.raw(200, "application/pem-file", String.join("\n",
                        issuers.chainOf(issuers.issuer("default"))).concat("\n").getBytes()))
                .help("The default issuer's chain, PEM.", "")
                .unauthenticated(READ)
                .build();
    }

    PathSpec importPath(String path) {
        return PathSpec.path(path)
                .fields(str("pem_bundle", "Certificates (and optionally a private key), PEM."))
                .on(UPDATE, (r, d) -> importBundle(d.getString("pem_bundle")))
                .help("Imports issuers (and a key) from a PEM bundle.", "")
                .build();
    }

    static Map<String, Object> describeUrls(Certs.Urls u) {
        return Map.of("issuing_certificates", u.issuingCertificates(), "crl_distribution_points",
                u.crlDistributionPoints(), "ocsp_servers", u.ocspServers());
    }

    static List<String> urlList(FieldData d, String field) {
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
}
