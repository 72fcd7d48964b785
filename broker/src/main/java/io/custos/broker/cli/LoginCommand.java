package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code login}: authenticates and keeps the token for later commands (the token helper, or
 * {@code ~/.custos-token}). {@code -method=token} checks a token; the other methods post their
 * K=V pairs to {@code auth/<path>/login} ({@code cert} presents {@code -client-cert}).
 */
@Command(name = "login", description = {
    "Authenticates and stores the token for the next commands.",
    "  custos login [TOKEN]                             (-method=token; prompted when absent)",
    "  custos login -method=approle role_id=... secret_id=...",
    "  custos login -method=jwt role=... jwt=@token.jwt",
    "  custos login -method=kubernetes role=...          (jwt: the pod's service account token by default)",
    "  custos login -method=cert -client-cert=... -client-key=... [name=ROLE]"})
final class LoginCommand extends CliCommand {
    private static final Set<String> METHODS = Set.of("token", "approle", "cert", "jwt", "kubernetes");
    private static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    @Option(names = {"-method", "--method"}, defaultValue = "token", paramLabel = "METHOD",
            description = "token, approle, cert, jwt or kubernetes (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = {"-path", "--path"}, paramLabel = "PATH", description = "Where the method is mounted (default: METHOD).")
    String path;

    @Option(names = {"-no-store", "--no-store"}, description = "Do not keep the token.")
    boolean noStore;

    @Option(names = {"-token-only", "--token-only"}, description = "Print only the token (implies -no-store).")
    boolean tokenOnly;

    @Option(names = {"-no-print", "--no-print"}, description = "Print nothing on success.")
    boolean noPrint;

    @Parameters(paramLabel = "TOKEN|K=V", description = "The token, or the method's K=V pairs.")
    List<String> args;

    @Override
    int run() {
        doing("authenticating");
        if (!METHODS.contains(method)) {
            throw CliException.usage("Unknown auth method: " + method + " (token, approle, cert, jwt, kubernetes)");
        }
        String token;
        JsonNode shown;
        if (method.equals("token")) {
            token = args != null && !args.isEmpty() && !args.get(0).contains("=") ? args.get(0)
                    : Prompt.secret(env, "Token (will be hidden): ");
            shown = options.client(env, token).call("GET", "auth/token/lookup-self", null);
        } else {
            Map<String, Object> body = KeyValues.parse(args, env);
            if (method.equals("kubernetes") && !body.containsKey("jwt")) {
                body.put("jwt", serviceAccountToken());
            }
            String mount = MountCommands.slash(path != null ? path : method);
            shown = options.client(env, null).call("POST", "auth/" + mount + "login", body);
            token = shown == null ? "" : shown.path("auth").path("client_token").asText("");
        }
        if (wrapped(shown)) {
            return printWrapped(shown);
        }
        if (token.isEmpty()) {
            throw CliException.usage("the broker answered without a token");
        }
        if (!noStore && !tokenOnly) {
            TokenHelper.of(env).store(token);
        }
        if (tokenOnly) {
            env.out().println(token);
            return 0;
        }
        if (noPrint) {
            return 0;
        }
        if (!noStore && output().format().equals("table")) {
            env.out().println("Success! You are now authenticated. The token information displayed below is already "
                    + "stored in the token helper. You do NOT need to run \"custos login\" again. Future requests "
                    + "will automatically use this token.");
            env.out().println();
        }
        return output().secret(shown);
    }

    /**
     * A wrapped login ({@code -wrap-ttl}), as Vault's CLI: the wrapping token is printed (alone
     * with {@code -token-only}) and nothing is stored — whoever unwraps it gets the token.
     */
    private int printWrapped(JsonNode answer) {
        if (tokenOnly) {
            env.out().println(answer.path("wrap_info").path("token").asText());
            return 0;
        }
        return output().secret(answer);
    }

    private static String serviceAccountToken() {
        try {
            return Files.readString(SERVICE_ACCOUNT_TOKEN).trim();
        } catch (IOException e) {
            throw CliException.usage("jwt=... is required (no service account token at " + SERVICE_ACCOUNT_TOKEN + ")");
        }
    }
}
