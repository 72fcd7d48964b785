package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.crypto.Drbg;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code operator generate-root} and {@code operator rekey}, with Vault's flags and flow. */
final class QuorumCommands {
    private QuorumCommands() {
    }

    @Command(name = "generate-root", description = {
        "Generates a root token from a threshold of unseal (or recovery) key shares:",
        "  -init (with -otp=OTP, or none: the broker makes one and prints it), then KEY -nonce=NONCE per share,",
        "  then -decode=ENCODED -otp=OTP prints the token. -status, -cancel, -generate-otp as Vault's."})
    static final class GenerateRoot extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "A key share (or prompted).")
        String key;

        @Option(names = {"-init", "--init"}, description = "Start an attempt.")
        boolean init;

        @Option(names = {"-cancel", "--cancel"}, description = "Cancel the attempt.")
        boolean cancel;

        @Option(names = {"-status", "--status"}, description = "Print the attempt's progress.")
        boolean status;

        @Option(names = {"-generate-otp", "--generate-otp"}, description = "Print a one-time pad of the right length.")
        boolean generateOtp;

        @Option(names = {"-decode", "--decode"}, paramLabel = "ENCODED", description = "Decode an encoded token with -otp.")
        String decode;

        @Option(names = {"-otp", "--otp"}, paramLabel = "OTP", description = "The one-time pad.")
        String otp;

        @Option(names = {"-nonce", "--nonce"}, paramLabel = "NONCE", description = "The attempt's nonce.")
        String nonce;

        @Override
        int run() {
            doing("generating root");
            if (decode != null) {
                if (otp == null) {
                    throw CliException.usage("-decode needs -otp");
                }
                env.out().println(xor(decode, otp));
                return 0;
            }
            CliClient c = options.client(env, null);
            if (generateOtp) {
                int length = c.call("GET", "sys/generate-root/attempt", null).path("otp_length").asInt();
                env.out().println(Drbg.base62(length));
                return 0;
            }
            if (cancel) {
                c.call("DELETE", "sys/generate-root/attempt", null);
                success("Root token generation canceled (if it was started)");
                return 0;
            }
            JsonNode s = init ? c.call("PUT", "sys/generate-root/attempt", otp == null ? Map.of() : Map.of("otp", otp))
                    : status ? c.call("GET", "sys/generate-root/attempt", null)
                    : c.call("PUT", "sys/generate-root/update", Map.of("key", key != null ? key
                            : Prompt.secret(env, "Unseal Key (will be hidden): "), "nonce", nonce(c)));
            return print(s);
        }

        private String nonce(CliClient c) {
            return nonce != null ? nonce : c.call("GET", "sys/generate-root/attempt", null).path("nonce").asText();
        }

        private int print(JsonNode s) {
            Output out = output();
            if (!out.format().equals("table")) {
                return out.structured(s);
            }
            Map<String, JsonNode> rows = new LinkedHashMap<>();
            rows.put("Nonce", s.path("nonce"));
            rows.put("Started", s.path("started"));
            rows.put("Progress", Output.text(s.path("progress").asInt() + "/" + s.path("required").asInt()));
            rows.put("Complete", s.path("complete"));
            if (!s.path("encoded_token").asText().isEmpty()) {
                rows.put("Encoded Token", s.path("encoded_token"));
            }
            if (!s.path("otp").asText().isEmpty()) {
                rows.put("OTP", s.path("otp"));
            }
            rows.put("OTP Length", s.path("otp_length"));
            out.table(List.of("Key", "Value"), rows);
            return 0;
        }
    }

    /** Vault's {@code roottoken.DecodeToken}: base64 (raw) XOR the pad. */
    static String xor(String encoded, String otp) {
        byte[] e;
        try {
            e = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException ex) {
            throw CliException.usage("the encoded token is not base64");
        }
        byte[] p = otp.getBytes(StandardCharsets.UTF_8);
        if (p.length != e.length) {
            throw CliException.usage("the OTP is " + p.length + " bytes and the encoded token " + e.length);
        }
        byte[] out = new byte[e.length];
        for (int i = 0; i < e.length; i++) {
            out[i] = (byte) (e[i] ^ p[i]);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    @Command(name = "rekey", description = {
        "Replaces the unseal key shares (-target=recovery: the recovery key's):",
        "  -init -key-shares=N -key-threshold=T [-verify], then KEY -nonce=NONCE per current share;",
        "  with -verify, then KEY -verify -nonce=VERIFICATION_NONCE per new share. -status, -cancel."})
    static final class Rekey extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "A key share (or prompted).")
        String key;

        @Option(names = {"-init", "--init"}, description = "Start a rekey.")
        boolean init;

        @Option(names = {"-cancel", "--cancel"}, description = "Cancel it (with -verify: restart the verification).")
        boolean cancel;

        @Option(names = {"-status", "--status"}, description = "Print its progress (with -verify: the verification's).")
        boolean status;

        @Option(names = {"-verify", "--verify"}, description = "With -init: require verification; else act on it.")
        boolean verify;

        @Option(names = {"-key-shares", "--key-shares"}, defaultValue = "5", description = "New shares (${DEFAULT-VALUE}).")
        int shares;

        @Option(names = {"-key-threshold", "--key-threshold"}, defaultValue = "3",
                description = "New threshold (${DEFAULT-VALUE}).")
        int threshold;

        @Option(names = {"-target", "--target"}, defaultValue = "barrier", paramLabel = "barrier|recovery",
                description = "Which key: barrier (the unseal key) or recovery.")
        String target;

        @Option(names = {"-nonce", "--nonce"}, paramLabel = "NONCE", description = "The rekey's (or verification's) nonce.")
        String nonce;

        @Override
        int run() {
            doing("rekeying");
            if (!target.equals("barrier") && !target.equals("recovery")) {
                throw CliException.usage("-target must be barrier or recovery");
            }
            String base = target.equals("barrier") ? "sys/rekey/" : "sys/rekey-recovery-key/";
            CliClient c = options.client(env, null);
            if (init) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("secret_shares", shares);
                body.put("secret_threshold", threshold);
                body.put("require_verification", verify);
                return print(c.call("PUT", base + "init", body));
            }
            String step = verify ? "verify" : "init";
            if (cancel) {
                c.call("DELETE", base + step, null);
                success(verify ? "Rekey verification canceled." : "Canceled rekeying (if it was started)");
                return 0;
            }
            if (status) {
                return print(c.call("GET", base + step, null));
            }
            String n = nonce != null ? nonce : c.call("GET", base + step, null).path("nonce").asText();
            String share = key != null ? key : Prompt.secret(env, "Key (will be hidden): ");
            return print(c.call("PUT", base + (verify ? "verify" : "update"), Map.of("key", share, "nonce", n)));
        }

        private int print(JsonNode s) {
            Output out = output();
            if (!out.format().equals("table")) {
                return out.structured(s);
            }
            if (s.path("keys_base64").isArray() && !s.path("keys_base64").isEmpty()) {
                int i = 1;
                for (JsonNode k : s.path("keys_base64")) {
                    env.out().println("Key " + i++ + ": " + k.asText());
                }
                env.out().println();
                env.out().println("Operation nonce: " + s.path("nonce").asText());
                if (s.path("verification_required").asBoolean()) {
                    env.out().println();
                    env.out().println("The new shares are not in force until verified: present " + s.path("t")
                            .asInt(threshold) + " of them with -verify -nonce=" + s.path("verification_nonce").asText());
                } else {
                    env.out().println();
                    env.out().println("Custos rekeyed: the shares above replace the old ones.");
                }
                return 0;
            }
            if (s.path("complete").asBoolean()) {
                success("Rekey verification complete: the new shares are in force.");
                return 0;
            }
            Map<String, JsonNode> rows = new LinkedHashMap<>();
            rows.put("Nonce", s.path("nonce"));
            rows.put("Started", s.path("started"));
            rows.put("Rekey Progress", Output.text(s.path("progress").asInt() + "/"
                    + s.path("required").asInt(s.path("t").asInt())));
            rows.put("New Shares", s.path("n"));
            rows.put("New Threshold", s.path("t"));
            rows.put("Verification Required", s.path("verification_required"));
            out.table(List.of("Key", "Value"), rows);
            return 0;
        }
    }
}
