package io.custos.broker.sys;

import static io.custos.broker.sys.SysPaths.noContent;
import static io.custos.broker.sys.SysPaths.requiredName;
import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.policy.PasswordPolicies;
import io.custos.broker.policy.PolicyStore;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** ACL policies ({@code policies/acl/}, and the older {@code policy/}) and password policies. */
@Singleton
public class PolicyPaths implements SystemPathFamily {
    private final PolicyStore policies;
    private final PasswordPolicies passwordPolicies;

    public PolicyPaths(PolicyStore policies, PasswordPolicies passwordPolicies) {
        this.policies = policies;
        this.passwordPolicies = passwordPolicies;
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(
                PathSpec.path("policies/acl/?")
                        .on(LIST, (r, d) -> Response.listOf(policies.list()))
                        .help("Lists ACL policies.", "")
                        .build(),
                PathSpec.path("policies/acl/(?P<name>.+)")
                        .fields(POLICY_TEXT)
                        .on(READ, (r, d) -> policies.get(d.getString("name")).map(p -> Response.of(Map.of(
                                "name", p.name(), "policy", p.text()))).orElse(null))
                        .on(UPDATE, noContent(d -> policies.put(d.getString("name"), policyText(d.getString("policy")))))
                        .on(DELETE, noContent(d -> policies.delete(d.getString("name"))))
                        .help("Reads, writes or deletes an ACL policy (HCL or JSON, optionally base64-encoded).", "")
                        .build(),
                PathSpec.path("policies/password/?")
                        .on(LIST, (r, d) -> Response.listOf(passwordPolicies.list()))
                        .help("Lists password policies.", "")
                        .build(),
                PathSpec.path("policies/password/(?P<name>[^/]+)/generate")
                        .fields(Field.of("name", FieldType.STRING, "The password policy."))
                        .on(READ, (r, d) -> Response.of(Map.of("password",
                                passwordPolicies.generatePassword(requiredName(d)))))
                        .help("Generates a password from a password policy.", "")
                        .build(),
                PathSpec.path("policies/password/(?P<name>[^/]+)")
                        .fields(Field.of("name", FieldType.STRING, "The password policy."),
                                Field.of("policy", FieldType.STRING, "length and rule \"charset\" blocks, in HCL or "
                                        + "JSON, optionally base64-encoded."))
                        .on(READ, (r, d) -> passwordPolicies.get(requiredName(d))
                                .map(t -> Response.of(Map.of("policy", t))).orElse(null))
                        .on(UPDATE, noContent(d -> passwordPolicies.put(requiredName(d),
                                policyText(d.getString("policy") == null ? "" : d.getString("policy")))))
                        .on(DELETE, noContent(d -> passwordPolicies.delete(requiredName(d))))
                        .help("Reads, writes or deletes a password policy.", "")
                        .build(),
                PathSpec.path("policy/?")
                        .on(READ, (r, d) -> Response.of(Map.of("policies", policies.list(), "keys", policies.list())))
                        .on(LIST, (r, d) -> Response.listOf(policies.list()))
                        .help("Lists ACL policies (the older endpoint).", "")
                        .build(),
                PathSpec.path("policy/(?P<name>.+)")
                        .fields(POLICY_TEXT, Field.of("rules", FieldType.STRING, "The policy document (older name of policy)."))
                        .on(READ, (r, d) -> policies.get(d.getString("name")).map(p -> Response.of(Map.of(
                                "name", p.name(), "rules", p.text()))).orElse(null))
                        .on(UPDATE, (r, d) -> {
                            String text = d.has("policy") ? d.getString("policy") : d.getString("rules");
                            policies.put(d.getString("name"), policyText(text));
                            return null;
                        })
                        .on(DELETE, noContent(d -> policies.delete(d.getString("name"))))
                        .help("Reads, writes or deletes an ACL policy (the older endpoint).", "")
                        .build());
    }

    private static final Field POLICY_TEXT = Field.of("policy", FieldType.STRING,
            "The policy document in HCL or JSON, optionally base64-encoded.");

    /** Vault accepts the document base64-encoded (to spare clients the escaping); plain text otherwise. */
    static String policyText(String raw) {
        String t = raw.trim();
        if (!t.isEmpty() && t.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) {
            try {
                return new String(Base64.getDecoder().decode(t), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return raw;
            }
        }
        return raw;
    }
}
