package io.custos.engine.pki;

import java.util.ArrayList;
import java.util.List;

/** A stored {@code roles/:name} with Vault's fields (TTLs in seconds, 0 = the mount's). */
record PkiRole(long ttl, long maxTtl, boolean allowLocalhost, List<String> allowedDomains, boolean allowBareDomains,
        boolean allowSubdomains, boolean allowGlobDomains, boolean allowWildcardCertificates, boolean allowAnyName,
        boolean enforceHostnames, boolean allowIpSans, List<String> allowedUriSans, boolean serverFlag,
        boolean clientFlag, List<String> keyUsage, List<String> extKeyUsage, String keyType, int keyBits,
        long notBeforeDuration, boolean noStore, boolean generateLease, String issuerRef, List<String> ou,
        List<String> organization, List<String> country, List<String> locality, List<String> province,
        boolean requireCn, boolean useCsrCommonName, boolean useCsrSans, boolean codeSigningFlag,
        boolean emailProtectionFlag, List<String> extKeyUsageOids) {

    PkiRole {
        extKeyUsageOids = extKeyUsageOids == null ? List.of() : extKeyUsageOids;
    }

    /** ext_key_usage with the code-signing and email-protection flags and the OIDs added. */
    List<String> effectiveExtKeyUsage() {
        List<String> out = new ArrayList<>(extKeyUsage);
        if (codeSigningFlag) {
            out.add("CodeSigning");
        }
        if (emailProtectionFlag) {
            out.add("EmailProtection");
        }
        out.addAll(extKeyUsageOids);
        return out;
    }
}
