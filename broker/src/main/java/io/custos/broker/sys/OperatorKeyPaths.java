package io.custos.broker.sys;

import static io.custos.broker.sys.SysPaths.intField;
import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.seal.Rekey;
import io.custos.broker.seal.RootGeneration;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The operators' quorum at work: {@code generate-root} (a root token from a threshold of unseal or
 * recovery key shares), {@code rekey} (new unseal key shares) and {@code rekey-recovery-key} (new
 * recovery key shares). As Vault's, these take no token — the shares are the credential — and
 * answer without the response envelope; they need an unsealed broker.
 */
@Singleton
public class OperatorKeyPaths implements SystemPathFamily {
    private final RootGeneration rootGeneration;
    private final Rekey rekey;

    public OperatorKeyPaths(RootGeneration rootGeneration, Rekey rekey) {
        this.rootGeneration = rootGeneration;
        this.rekey = rekey;
    }

    private static Field keyField() {
        return Field.of("key", FieldType.STRING, "One key share, hex or base64.").asSensitive();
    }

    private static Field nonceField() {
        return Field.of("nonce", FieldType.STRING, "The attempt's nonce.");
    }

    private static byte[] share(FieldData d) {
        String key = d.getString("key");
        if (key == null || key.isBlank()) {
            throw EngineException.badRequest("missing required field \"key\"");
        }
        return SealPaths.decodeKey(key.trim());
    }

    @Override
    public List<PathSpec> paths() {
        List<PathSpec> out = new ArrayList<>();
        out.add(PathSpec.path("generate-root/attempt")
                .fields(Field.of("otp", FieldType.STRING, "A one-time pad as long as a token (otp_length); "
                                + "made here and returned when absent.").asSensitive(),
                        Field.of("pgp_key", FieldType.STRING, "Not supported."))
                .on(READ, (r, d) -> Response.of(rootGeneration.status()))
                .on(UPDATE, (r, d) -> Response.of(rootGeneration.start(d.getString("otp"), d.getString("pgp_key"))))
                .on(DELETE, (r, d) -> {
                    rootGeneration.cancel();
                    return Response.noContent();
                })
                .help("Starts, reads or cancels a root token generation.", "")
                .unauthenticated().rawResponse().build());
        out.add(PathSpec.path("generate-root/update")
                .fields(keyField(), nonceField())
                .on(UPDATE, (r, d) -> Response.of(rootGeneration.update(share(d), d.getString("nonce"))))
                .help("Adds an unseal (or recovery) key share; at the threshold returns the encoded root token.", "")
                .unauthenticated().rawResponse().build());
        out.addAll(rekeyPaths("rekey", Rekey.Target.UNSEAL_KEY));
        out.addAll(rekeyPaths("rekey-recovery-key", Rekey.Target.RECOVERY_KEY));
        return out;
    }

    private List<PathSpec> rekeyPaths(String prefix, Rekey.Target target) {
        String what = target == Rekey.Target.UNSEAL_KEY ? "unseal key" : "recovery key";
        return List.of(
                PathSpec.path(prefix + "/init")
                        .fields(intField("secret_shares", "Shares to split the new " + what + " into."),
                                intField("secret_threshold", "Shares needed to rebuild it."),
                                Field.of("require_verification", FieldType.BOOL, "Keep the old shares in force "
                                        + "until a threshold of the new ones is presented back (" + prefix + "/verify)."),
                                Field.of("pgp_keys", FieldType.STRING_LIST, "Not supported; must be empty."),
                                Field.of("backup", FieldType.BOOL, "Not supported; must be false."))
                        .on(READ, (r, d) -> Response.of(rekey.status(target)))
                        .on(UPDATE, (r, d) -> {
                            List<String> pgp = d.getAs("pgp_keys");
                            if (pgp != null && !pgp.isEmpty()) {
                                throw EngineException.badRequest("pgp_keys are not supported");
                            }
                            if (d.getBool("backup")) {
                                throw EngineException.badRequest("backup is not supported (it needs pgp_keys)");
                            }
                            return Response.of(rekey.start(target, (int) d.getLong("secret_shares"),
                                    (int) d.getLong("secret_threshold"), d.getBool("require_verification")));
                        })
                        .on(DELETE, (r, d) -> {
                            rekey.cancel(target);
                            return Response.noContent();
                        })
                        .help("Starts, reads or cancels a rekey of the " + what + ".", "")
                        .unauthenticated().rawResponse().build(),
                PathSpec.path(prefix + "/update")
                        .fields(keyField(), nonceField())
                        .on(UPDATE, (r, d) -> Response.of(rekey.update(target, share(d), d.getString("nonce"))))
                        .help("Adds a share of the current " + what + "; at the threshold returns the new shares.", "")
                        .unauthenticated().rawResponse().build(),
                PathSpec.path(prefix + "/verify")
                        .fields(keyField(), nonceField())
                        .on(READ, (r, d) -> Response.of(rekey.verificationStatus(target)))
                        .on(UPDATE, (r, d) -> Response.of(rekey.verify(target, share(d), d.getString("nonce"))))
                        .on(DELETE, (r, d) -> Response.of(rekey.restartVerification(target)))
                        .help("Presents the new shares back; at their threshold the new " + what + " is in force.", "")
                        .unauthenticated().rawResponse().build());
    }
}
