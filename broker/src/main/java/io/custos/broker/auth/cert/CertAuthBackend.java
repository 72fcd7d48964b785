package io.custos.broker.auth.cert;

import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.auth.RoleAuthBackend;
import io.custos.broker.auth.TokenSettings;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
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
 * TLS 1.3 handshake, which must chain to (or be) one of them, be valid now, and carry an allowed
 * common name, DNS SAN and URI SAN (globs, so SPIFFE IDs can be bound).
 */
final class CertAuthBackend extends RoleAuthBackend {

    CertAuthBackend(EngineContext context) {
        super(context);
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
                        Field.of("display_name", FieldType.STRING, "Accepted for compatibility.")),
                PathSpec.path("login")
                        .fields(Field.of("name", FieldType.STRING, "Only try this trusted certificate."))
                        .on(UPDATE, this::login)
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
        c.token.update(d);
        storage.put(rolePrefix() + name, Json.write(c));
        return null;
    }

    private Response login(Request request, FieldData d) {
        Object presented = request.attribute(Request.CLIENT_CERTIFICATE);
        if (!(presented instanceof X509Certificate client)) {
            throw EngineException.badRequest("no client certificate was presented in the TLS handshake");
        }
        List<String> names = d.has("name") ? List.of(d.getString("name")) : storage.list(rolePrefix());
        for (String name : names) {
            CertRole role = loadRole(name, CertRole.class).orElse(null);
            if (role != null && trusted(client, parse(role.certificate)) && namesAllowed(client, role)) {
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put("cert_name", name);
                metadata.put("common_name", commonName(client));
                metadata.put("serial_number", client.getSerialNumber().toString(16));
                return Response.ofAuth(role.token.authRequest(name, metadata));
            }
        }
        throw EngineException.badRequest("invalid certificate or no client certificate supplied");
    }

    /** The client certificate is the pinned one, or chains to the trusted CA and is valid now. */
    private boolean trusted(X509Certificate client, X509Certificate anchor) {
        try {
            client.checkValidity(Date.from(clock.instant()));
            if (Arrays.equals(client.getEncoded(), anchor.getEncoded())) {
                return true;
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(List.of(client)), params);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
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

    private static X509Certificate parse(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw EngineException.badRequest("certificate is not a PEM X.509 certificate");
        }
    }
}
