package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PKI role fields with Vault's defaults, and their API form. */
final class Roles {
    private Roles() {
    }

    private static Field b(String name, String description) {
        return Field.of(name, FieldType.BOOL, description);
    }

    private static Field l(String name, String description) {
        return Field.of(name, FieldType.COMMA_STRING_LIST, description);
    }

    static final List<Field> FIELDS = List.of(
            Field.of("name", FieldType.STRING, "Role name."),
            Field.of("ttl", FieldType.DURATION, "Default validity (default: max_ttl)."),
            Field.of("max_ttl", FieldType.DURATION, "Maximum validity (default 768h)."),
            b("allow_localhost", "Allow localhost (default true)."),
            l("allowed_domains", "Domains names may be in."),
            b("allow_bare_domains", "Allow the allowed domains themselves."),
            b("allow_subdomains", "Allow subdomains of the allowed domains."),
            b("allow_glob_domains", "Allowed domains may hold globs."),
            b("allow_wildcard_certificates", "Allow *.domain names (default true)."),
            b("allow_any_name", "Allow any name."),
            b("enforce_hostnames", "Names must be valid hostnames (default true)."),
            b("allow_ip_sans", "Allow IP SANs (default true)."),
            l("allowed_uri_sans", "URI SAN globs, e.g. spiffe://example.org/ns/*/sa/*."),
            b("server_flag", "ExtKeyUsage serverAuth (default true)."),
            b("client_flag", "ExtKeyUsage clientAuth (default true)."),
            l("key_usage", "Key usages (default DigitalSignature, KeyAgreement, KeyEncipherment)."),
            l("ext_key_usage", "More extended key usages."),
            Field.of("key_type", FieldType.STRING, "rsa (default), ec, ed25519 or any (sign only)."),
            Field.of("key_bits", FieldType.INT, "Key size (0 = the type's default)."),
            Field.of("not_before_duration", FieldType.DURATION, "Backdating of notBefore (default 30s)."),
            b("no_store", "Do not store issued certificates."),
            b("generate_lease", "Give issued certificates a lease."),
            Field.of("issuer_ref", FieldType.STRING, "Issuer (default: the mount's default)."),
            l("ou", "Subject OU."), l("organization", "Subject O."), l("country", "Subject C."),
            l("locality", "Subject L."), l("province", "Subject ST."),
            b("require_cn", "A common name is required (default true)."),
            b("use_csr_common_name", "sign: take the CN from the CSR (default true)."),
            b("use_csr_sans", "sign: take the SANs from the CSR (default true)."),
            b("code_signing_flag", "ExtKeyUsage codeSigning."),
            b("email_protection_flag", "ExtKeyUsage emailProtection."),
            l("ext_key_usage_oids", "More extended key usages, as dotted OIDs."),
            b("allowed_domains_template", "Not supported (Custos has no identity templating); only false."),
            b("allowed_uri_sans_template", "Not supported; only false."),
            l("allowed_other_sans", "Not supported; only empty."),
            l("allowed_serial_numbers", "Not supported; only empty."),
            l("allowed_user_ids", "Not supported; only empty."),
            Field.of("signature_bits", FieldType.INT, "Only 0 (the key's natural hash)."),
            b("use_pss", "Not supported; only false."),
            l("street_address", "Not supported; only empty."),
            l("postal_code", "Not supported; only empty."),
            b("no_store_metadata", "Not supported; only false."),
            l("cn_validations", "Only the default (email, hostname)."),
            l("policy_identifiers", "Not supported; only empty."),
            b("basic_constraints_valid_for_non_ca", "Not supported; only false."),
            Field.of("not_after", FieldType.STRING, "Not supported; only empty."),
            b("allow_token_displayname", "Not supported (deprecated in Vault); only false."),
            Field.of("serial_number_source", FieldType.STRING, "Only json-csr (Vault's default) or json."));

    /**
     * Vault role fields Custos does not implement, with the value Vault defaults them to: a write
     * of that value is accepted (Terraform sends every field) and reads show it; any other value
     * is refused, never silently dropped.
     */
    private static final Map<String, Object> UNSUPPORTED = unsupported();

    private static Map<String, Object> unsupported() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allowed_domains_template", false);
        m.put("allowed_uri_sans_template", false);
        m.put("allowed_other_sans", List.of());
        m.put("allowed_serial_numbers", List.of());
        m.put("allowed_user_ids", List.of());
        m.put("signature_bits", 0L);
        m.put("use_pss", false);
        m.put("street_address", List.of());
        m.put("postal_code", List.of());
        m.put("no_store_metadata", false);
        m.put("cn_validations", List.of("email", "hostname"));
        m.put("policy_identifiers", List.of());
        m.put("basic_constraints_valid_for_non_ca", false);
        m.put("not_after", "");
        m.put("allow_token_displayname", false);
        m.put("serial_number_source", "json-csr");
        return m;
    }

    private static void refuseUnsupported(FieldData d) {
        for (Map.Entry<String, Object> e : UNSUPPORTED.entrySet()) {
            if (!d.has(e.getKey())) {
                continue;
            }
            Object v = d.get(e.getKey());
            boolean same = e.getValue() instanceof List<?> want
                    ? v instanceof List<?> got && (got.isEmpty() && want.isEmpty() || new HashSet<>(got)
                            .equals(new HashSet<>(want)))
                    : e.getValue().equals(v) || e.getKey().equals("serial_number_source") && "json".equals(v);
            if (!same) {
                throw EngineException.badRequest(e.getKey() + " is not supported by Custos: only its default ("
                        + e.getValue() + ") is accepted");
            }
        }
    }

    static PkiRole from(FieldData d, PkiRole old) {
        refuseUnsupported(d);
        PkiRole o = old != null ? old : new PkiRole(0, 0, true, List.of(), false, false, false, true, false, true, true,
                List.of(), true, true, List.of("DigitalSignature", "KeyAgreement", "KeyEncipherment"), List.of(), "rsa", 0,
                30, false, false, "default", List.of(), List.of(), List.of(), List.of(), List.of(), true, true, true,
                false, false, List.of());
        List<String> oids = list(d, "ext_key_usage_oids", o.extKeyUsageOids());
        for (String oid : oids) {
            if (!oid.matches("[0-2](\\.(0|[1-9][0-9]*))+")) {
                throw EngineException.badRequest("ext_key_usage_oids: \"" + oid + "\" is not a dotted OID");
            }
        }
        String keyType = d.has("key_type") ? d.getString("key_type") : o.keyType();
        int bits = d.has("key_bits") ? (int) d.getLong("key_bits") : o.keyBits();
        if (!keyType.equals("any")) {
            bits = KeyType.of(keyType, bits).bits();
        }
        long ttl = d.has("ttl") ? d.getDuration("ttl").toSeconds() : o.ttl();
        long maxTtl = d.has("max_ttl") ? d.getDuration("max_ttl").toSeconds() : o.maxTtl();
        if (maxTtl > 0 && ttl > maxTtl) {
            throw EngineException.badRequest("ttl cannot be larger than max_ttl");
        }
        return new PkiRole(ttl, maxTtl, bool(d, "allow_localhost", o.allowLocalhost()),
                list(d, "allowed_domains", o.allowedDomains()), bool(d, "allow_bare_domains", o.allowBareDomains()),
                bool(d, "allow_subdomains", o.allowSubdomains()), bool(d, "allow_glob_domains", o.allowGlobDomains()),
                bool(d, "allow_wildcard_certificates", o.allowWildcardCertificates()),
                bool(d, "allow_any_name", o.allowAnyName()), bool(d, "enforce_hostnames", o.enforceHostnames()),
                bool(d, "allow_ip_sans", o.allowIpSans()), list(d, "allowed_uri_sans", o.allowedUriSans()),
                bool(d, "server_flag", o.serverFlag()), bool(d, "client_flag", o.clientFlag()),
                list(d, "key_usage", o.keyUsage()), list(d, "ext_key_usage", o.extKeyUsage()), keyType, bits,
                d.has("not_before_duration") ? d.getDuration("not_before_duration").toSeconds() : o.notBeforeDuration(),
                bool(d, "no_store", o.noStore()), bool(d, "generate_lease", o.generateLease()),
                d.has("issuer_ref") ? d.getString("issuer_ref") : o.issuerRef(), list(d, "ou", o.ou()),
                list(d, "organization", o.organization()), list(d, "country", o.country()),
                list(d, "locality", o.locality()), list(d, "province", o.province()),
                bool(d, "require_cn", o.requireCn()), bool(d, "use_csr_common_name", o.useCsrCommonName()),
                bool(d, "use_csr_sans", o.useCsrSans()), bool(d, "code_signing_flag", o.codeSigningFlag()),
                bool(d, "email_protection_flag", o.emailProtectionFlag()), oids);
    }

    static Map<String, Object> describe(PkiRole r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttl", r.ttl());
        m.put("max_ttl", r.maxTtl());
        m.put("allow_localhost", r.allowLocalhost());
        m.put("allowed_domains", r.allowedDomains());
        m.put("allow_bare_domains", r.allowBareDomains());
        m.put("allow_subdomains", r.allowSubdomains());
        m.put("allow_glob_domains", r.allowGlobDomains());
        m.put("allow_wildcard_certificates", r.allowWildcardCertificates());
        m.put("allow_any_name", r.allowAnyName());
        m.put("enforce_hostnames", r.enforceHostnames());
        m.put("allow_ip_sans", r.allowIpSans());
        m.put("allowed_uri_sans", r.allowedUriSans());
        m.put("server_flag", r.serverFlag());
        m.put("client_flag", r.clientFlag());
        m.put("key_usage", r.keyUsage());
        m.put("ext_key_usage", r.extKeyUsage());
        m.put("key_type", r.keyType());
        m.put("key_bits", r.keyBits());
        m.put("not_before_duration", r.notBeforeDuration());
        m.put("no_store", r.noStore());
        m.put("generate_lease", r.generateLease());
        m.put("issuer_ref", r.issuerRef());
        m.put("ou", r.ou());
        m.put("organization", r.organization());
        m.put("country", r.country());
        m.put("locality", r.locality());
        m.put("province", r.province());
        m.put("require_cn", r.requireCn());
        m.put("use_csr_common_name", r.useCsrCommonName());
        m.put("use_csr_sans", r.useCsrSans());
        m.put("code_signing_flag", r.codeSigningFlag());
        m.put("email_protection_flag", r.emailProtectionFlag());
        m.put("ext_key_usage_oids", r.extKeyUsageOids());
        UNSUPPORTED.forEach(m::put);
        return m;
    }

    private static boolean bool(FieldData d, String f, boolean fallback) {
        return d.has(f) ? d.getBool(f) : fallback;
    }

    private static List<String> list(FieldData d, String f, List<String> fallback) {
        return d.has(f) ? PkiFields.listOf(d, f) : fallback;
    }
}
