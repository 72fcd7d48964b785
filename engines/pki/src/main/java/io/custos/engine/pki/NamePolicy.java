package io.custos.engine.pki;

import io.custos.engine.sdk.EngineException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Vault's PKI role checks on names: hostnames, domains (bare, sub, glob, wildcard), IPs and URI globs. */
final class NamePolicy {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    /** Longest name quoted whole in an error; anything longer is shown by its start and length. */
    static final int SHOWN = 256;

    private NamePolicy() {
    }

    /**
     * A requested name as an error message quotes it: whole, as Vault's texts do, unless it is
     * longer than any real name, when a request's 64 KiB name would be sent back in full.
     */
    static String shown(String name) {
        return name.length() <= SHOWN ? name : name.substring(0, 64) + "… (" + name.length() + " characters)";
    }

    /** Whether {@code name} may appear as the CN or a DNS SAN under {@code role}. */
    static boolean allowedName(PkiRole role, String raw) {
        String name = raw.toLowerCase(Locale.ROOT);
        boolean wildcard = name.startsWith("*.");
        if (wildcard && !role.allowWildcardCertificates()) {
            return false;
        }
        String base = wildcard ? name.substring(2) : name;
        if (role.enforceHostnames() && !isHostname(base) && !(role.allowAnyName() && name.contains("@"))) {
            return false;
        }
        if (role.allowAnyName()) {
            return true;
        }
        if (role.allowLocalhost() && (name.equals("localhost") || name.equals("localdomain"))) {
            return true;
        }
        for (String d : role.allowedDomains()) {
            String domain = d.toLowerCase(Locale.ROOT);
            if (role.allowBareDomains() && !wildcard && name.equals(domain)) {
                return true;
            }
            if (role.allowSubdomains() && (base.endsWith("." + domain) || (wildcard && base.equals(domain)))) {
                return true;
            }
            if (role.allowGlobDomains() && domain.contains("*") && glob(domain, name)) {
                return true;
            }
        }
        return false;
    }

    static boolean isHostname(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    static boolean allowedUri(PkiRole role, String uri) {
        for (String pattern : role.allowedUriSans()) {
            if (glob(pattern, uri)) {
                return true;
            }
        }
        return false;
    }

    /** Vault's glob: {@code *} matches any run of characters (including '/'), everything else literally. */
    static boolean glob(String pattern, String value) {
        StringBuilder re = new StringBuilder();
        String[] parts = pattern.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append(".*");
            }
            re.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(value).matches();
    }

    static InetAddress ip(String raw) {
        String s = raw.trim();
        if (!s.matches("[0-9a-fA-F:.]+") || s.isEmpty()) {
            throw EngineException.badRequest("the value \"" + shown(raw) + "\" is not a valid IP address");
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw EngineException.badRequest("the value \"" + shown(raw) + "\" is not a valid IP address");
        }
    }
}
