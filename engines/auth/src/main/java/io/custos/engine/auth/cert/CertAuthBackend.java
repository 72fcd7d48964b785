package io.custos.engine.auth.cert;

import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.auth.RoleAuthBackend;
import io.custos.engine.auth.TokenSettings;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Vault's TLS certificate auth method: {@code certs/:name} holds a trusted CA (or a pinned leaf)
 * and the names it may vouch for; {@code login} takes the certificate the client presented in the
 * TLS 1.3 handshake, which must allow client authentication (extended key usage), chain to (or
 * be) one of them through the intermediates the client sent, be valid now, not be revoked by a
 * CRL stored at {@code crls/:name} nor (with {@code ocsp_enabled}) by its OCSP responder, and
 * carry an allowed common name, DNS SAN and URI SAN (globs, so SPIFFE IDs can be bound).
 */
final class CertAuthBackend extends RoleAuthBackend {

    private final CertRevocation revocation;

    CertAuthBackend(EngineContext context) {
        super(context);
        this.revocation = new CertRevocation(storage, clock);
    }

    /** Trusted certificates are Vault's {@code certs/:name}. */
    @Override
    protected String rolePrefix() {
        return "certs/";
    }

    /** A trusted certificate entry as stored. */
    public static final class CertRole {
        public String certificate = "";
        public List<String> allowedCommonNames = List.of();
        public List<String> allowedDnsSans = List.of();
        public List<String> allowedUriSans = List.of();
        public boolean ocspEnabled;
        public List<String> ocspServersOverride = List.of();
        public boolean ocspFailOpen;
        public TokenSettings token = new TokenSettings();
    }

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                roleList(),
                role("name", "A trusted certificate and what it may vouch for.", (r, d) -> readCert(d.getString("name")),
                        (r, d) -> writeCert(d),
                        Field.of("certificate", FieldType.STRING, "PEM CA (or leaf) certificate to trust."),
                        Field.of("allowed_common_names", FieldType.COMMA_STRING_LIST, "Allowed CNs (globs)."),
                        Field.of("allowed_dns_sans", FieldType.COMMA_STRING_LIST, "Allowed DNS SANs (globs)."),
                        Field.of("allowed_uri_sans", FieldType.COMMA_STRING_LIST, "Allowed URI SANs (globs)."),
                        Field.of("display_name", FieldType.STRING, "Accepted for compatibility."),
                        Field.of("ocsp_enabled", FieldType.BOOL, "Ask the certificate's OCSP responder at every login."),
                        Field.of("ocsp_servers_override", FieldType.COMMA_STRING_LIST,
                                "OCSP responder URLs to ask instead of the certificate's AIA ones."),
                        Field.of("ocsp_fail_open", FieldType.BOOL,
                                "Log in when no responder answers (default: refuse).")),
                PathSpec.path("crls/?")
                        .on(Operation.LIST, (r, d) -> Response.listOf(storage.list("crls/")))
                        .help("Lists the stored CRLs.", "").build(),
                PathSpec.path("crls/(?P<name>[^/]+)")
                        .fields(Field.of("name", FieldType.STRING, "Name of the CRL."),
                                Field.of("crl", FieldType.STRING, "The CRL, PEM or DER as base64."))
                        .on(Operation.READ, (r, d) -> revocation.read(d.getString("name")))
                        .on(UPDATE, (r, d) -> revocation.write(d.getString("name"), d.getString("crl")))
                        .on(Operation.DELETE, (r, d) -> revocation.delete(d.getString("name")))
                        .help("A CRL checked at every login: certificates it lists (and whose issuer signed it) "
                                + "cannot log in.", "").build(),
                PathSpec.path("login")
                        .fields(Field.of("name", FieldType.STRING, "Only try this trusted certificate."))
                        .on(UPDATE, this::login)
                        .help("Logs in with the TLS client certificate.", "")
                        .unauthenticated()
                        .help("Logs in with the TLS client certificate.", "").build());
    }

    private Response readCert(String name) {
        CertRole c = loadRole(name, CertRole.class).orElse(null);
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("certificate", c.certificate);
        m.put("allowed_common_names", c.allowedCommonNames);
        m.put("allowed_dns_sans", c.allowedDnsSans);
        m.put("allowed_uri_sans", c.allowedUriSans);
        m.put("ocsp_enabled", c.ocspEnabled);
        m.put("ocsp_servers_override", c.ocspServersOverride);
        m.put("ocsp_fail_open", c.ocspFailOpen);
        c.token.describeInto(m);
        return Response.of(m);
    }

    private Response writeCert(FieldData d) {
        String name = d.getString("name");
        CertRole c = loadRole(name, CertRole.class).orElseGet(CertRole::new);
        if (d.has("certificate")) {
            parse(d.getString("certificate"));
            c.certificate = d.getString("certificate");
        }
        if (c.certificate.isBlank()) {
            throw EngineException.badRequest("certificate is required");
        }
        if (d.has("allowed_common_names")) {
            c.allowedCommonNames = d.getAs("allowed_common_names");
        }
        if (d.has("allowed_dns_sans")) {
            c.allowedDnsSans = d.getAs("allowed_dns_sans");
        }
        if (d.has("allowed_uri_sans")) {
            c.allowedUriSans = d.getAs("allowed_uri_sans");
        }
        if (d.has("ocsp_enabled")) {
            c.ocspEnabled = d.getBool("ocsp_enabled");
        }
        if (d.has("ocsp_servers_override")) {
            c.ocspServersOverride = d.getAs("ocsp_servers_override");
            for (String url : c.ocspServersOverride) {
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    throw EngineException.badRequest("ocsp_servers_override: \"" + url + "\" is not an http(s) URL");
                }
            }
        }
        if (d.has("ocsp_fail_open")) {
            c.ocspFailOpen = d.getBool("ocsp_fail_open");
        }
        c.token.update(d);
        storage.put(rolePrefix() + name, Json.write(c));
        return null;
    }

    private Response login(Request request, FieldData d) {
        X509Certificate client = request.context().clientCertificate();
        if (client == null) {
            throw EngineException.badRequest("no client certificate was presented in the TLS handshake");
        }
        if (!allowsClientAuth(client)) {
            throw EngineException.badRequest("invalid certificate: its extended key usage does not allow client "
                    + "authentication (id-kp-clientAuth)");
        }
        List<X509Certificate> intermediates = request.context().clientCertificateChain();
        List<String> names = d.has("name") ? List.of(d.getString("name")) : storage.list(rolePrefix());
        for (String name : names) {
            CertRole role = loadRole(name, CertRole.class).orElse(null);
            if (role == null) {
                continue;
            }
            X509Certificate anchor = parse(role.certificate);
            List<X509Certificate> path = validPath(client, intermediates, anchor);
            if (path != null && namesAllowed(client, role)) {
                revocation.check(path, anchor, role);
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put("cert_name", name);
                metadata.put("common_name", commonName(client));
                metadata.put("serial_number", client.getSerialNumber().toString(16));
                return Response.ofAuth(role.token.authRequest(name, metadata));
            }
        }
        throw EngineException.badRequest("invalid certificate or no client certificate supplied");
    }

    /** Id-kp-clientAuth and anyExtendedKeyUsage; a certificate without the extension allows any use (RFC 5280). */
    private static final Set<String> CLIENT_AUTH_USAGES = Set.of("1.3.6.1.5.5.7.3.2", "2.5.29.37.0");

    static boolean allowsClientAuth(X509Certificate c) {
        try {
            List<String> eku = c.getExtendedKeyUsage();
            return eku == null || eku.stream().anyMatch(CLIENT_AUTH_USAGES::contains);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /**
     * The path from the client certificate to {@code anchor} (leaf first, anchor excluded), built
     * from the intermediates the client presented and valid now; or the leaf alone when it is the
     * pinned certificate; or null when there is none. Revocation is checked by the caller.
     */
    private List<X509Certificate> validPath(X509Certificate client, List<X509Certificate> intermediates,
            X509Certificate anchor) {
        try {
            Date now = Date.from(clock.instant());
            client.checkValidity(now);
            if (Arrays.equals(client.getEncoded(), anchor.getEncoded())) {
                return List.of(client);
            }
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(client);
            PKIXBuilderParameters params = new PKIXBuilderParameters(Set.of(new TrustAnchor(anchor, null)), target);
            params.setRevocationEnabled(false);
            params.setDate(now);
            List<X509Certificate> pool = new ArrayList<>(intermediates);
            pool.add(client);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool)));
            PKIXCertPathBuilderResult built = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
            List<X509Certificate> path = new ArrayList<>();
            built.getCertPath().getCertificates().forEach(c -> path.add((X509Certificate) c));
            return path;
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static boolean namesAllowed(X509Certificate c, CertRole role) {
        if (!role.allowedCommonNames.isEmpty() && !anyGlob(role.allowedCommonNames, List.of(commonName(c)))) {
            return false;
        }
        if (!role.allowedDnsSans.isEmpty() && !anyGlob(role.allowedDnsSans, sans(c, 2))) {
            return false;
        }
        return role.allowedUriSans.isEmpty() || anyGlob(role.allowedUriSans, sans(c, 6));
    }

    private static boolean anyGlob(List<String> globs, List<String> values) {
        for (String g : globs) {
            Pattern p = Pattern.compile(Arrays.stream(g.split("\\*", -1)).map(Pattern::quote)
                    .reduce((a, b) -> a + ".*" + b).orElse(""));
            if (values.stream().anyMatch(v -> p.matcher(v).matches())) {
                return true;
            }
        }
        return false;
    }

    private static List<String> sans(X509Certificate c, int type) {
        List<String> out = new ArrayList<>();
        try {
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> san : c.getSubjectAlternativeNames()) {
                    if (((Integer) san.get(0)) == type) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            return out;
        }
        return out;
    }

    private static String commonName(X509Certificate c) {
        try {
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    static X509Certificate parse(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw EngineException.badRequest("certificate is not a PEM X.509 certificate");
        }
    }
}
