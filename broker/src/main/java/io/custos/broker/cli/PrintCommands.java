package io.custos.broker.cli;

import picocli.CommandLine.Command;

/** {@code print token}: the CLI's own state, as Vault's {@code print}. */
@Command(name = "print", description = "Prints the CLI's own state: token.", subcommands = PrintCommands.Token.class)
final class PrintCommands extends CommandGroup {

    @Command(name = "token",
            description = {"Prints the token the other verbs would send: CUSTOS_TOKEN or VAULT_TOKEN, else the token "
                    + "helper's, else ~/.custos-token's; an empty line when there is none.",
                    "-output-curl-string prints $(custos print token) in its place."})
    static final class Token extends CliCommand {
        @Override
        int run() {
            doing("reading the token");
            String token = TokenHelper.of(env).get();
            env.out().println(token == null ? "" : token);
            return 0;
        }
    }
}
