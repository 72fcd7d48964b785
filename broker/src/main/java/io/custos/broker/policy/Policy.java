package io.custos.broker.policy;

import java.util.List;

/** A named ACL policy: its path blocks and the text it was written in (HCL or JSON). */
public record Policy(String name, String text, List<PathRule> rules) {

    /** Vault's built-in {@code root}: everything, including sudo. It has no rules; the ACL special-cases it. */
    public static final String ROOT = "root";
    public static final String DEFAULT = "default";
    /** Built in: what a response-wrapping token may do (unwrap, look up, rewrap itself). */
    public static final String RESPONSE_WRAPPING = "response-wrapping";
    public static final String RESPONSE_WRAPPING_TEXT = String.join("\n",
            "path \"sys/wrapping/unwrap\" {", "  capabilities = [\"update\"]", "}",
            "path \"sys/wrapping/lookup\" {", "  capabilities = [\"update\"]", "}",
            "path \"sys/wrapping/rewrap\" {", "  capabilities = [\"update\"]", "}",
            "path \"cubbyhole/response\" {", "  capabilities = [\"create\", \"read\"]", "}", "");

    /** Vault's default policy, reduced to the paths Custos serves: a token may look after itself. */
    public static final String DEFAULT_TEXT = String.join("\n",
            "# Allow tokens to look up their own properties",
            "path \"auth/token/lookup-self\" {",
            "  capabilities = [\"read\"]",
            "}",
            "",
            "# Allow tokens to renew themselves",
            "path \"auth/token/renew-self\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow tokens to revoke themselves",
            "path \"auth/token/revoke-self\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow a token to wrap arbitrary values and to unwrap, look up and rewrap wrapped responses",
            "path \"sys/wrapping/wrap\" {",
            "  capabilities = [\"update\"]",
            "}",
            "path \"sys/wrapping/lookup\" {",
            "  capabilities = [\"update\"]",
            "}",
            "path \"sys/wrapping/unwrap\" {",
            "  capabilities = [\"update\"]",
            "}",
            "path \"sys/wrapping/rewrap\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow a token to renew a lease via lease_id in the request body; old path for old clients,",
            "# new path for newer",
            "path \"sys/renew\" {",
            "  capabilities = [\"update\"]",
            "}",
            "path \"sys/leases/renew\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow looking up lease properties. This requires knowing the lease ID ahead of time and",
            "# does not divulge any sensitive information.",
            "path \"sys/leases/lookup\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow a token to look up its own capabilities on a path",
            "path \"sys/capabilities-self\" {",
            "  capabilities = [\"update\"]",
            "}",
            "",
            "# Allow a token to manage its own cubbyhole",
            "path \"cubbyhole/*\" {",
            "  capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]",
            "}",
            "",
            "# Allow general purpose tools",
            "path \"sys/tools/hash\" {",
            "  capabilities = [\"update\"]",
            "}",
            "path \"sys/tools/hash/*\" {",
            "  capabilities = [\"update\"]",
            "}",
            "");
}
