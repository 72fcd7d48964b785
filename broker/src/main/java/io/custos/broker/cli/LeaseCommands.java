package io.custos.broker.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lease lookup|renew|revoke}: leases by id ({@code sys/leases}). */
@Command(name = "lease", description = "Leases: lookup, renew, revoke.",
        subcommands = {LeaseCommands.Lookup.class, LeaseCommands.Renew.class, LeaseCommands.Revoke.class})
final class LeaseCommands extends CommandGroup {

    @Command(name = "lookup", description = "Prints a lease's times and renewability.")
    static final class Lookup extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The lease id.")
        String id;

        @Override
        int run() {
            doing("looking up lease id " + id);
            return output().secret(client().call("PUT", "sys/leases/lookup", Map.of("lease_id", id)));
        }
    }

    @Command(name = "renew",
            description = "Renews a lease by -increment (default: its TTL), capped by its max TTL.")
    static final class Renew extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The lease id.")
        String id;

        @Option(names = {"-increment", "--increment"}, paramLabel = "DURATION", description = "The new TTL from now.")
        String increment;

        @Override
        int run() {
            doing("renewing " + id);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("lease_id", id);
            if (increment != null) {
                body.put("increment", increment);
            }
            return output().secret(client().call("PUT", "sys/leases/renew", body));
        }
    }

    @Command(name = "revoke",
            description = "Revokes a lease (or, with -prefix, every lease below ID; -force drops failing ones).")
    static final class Revoke extends CliCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The lease id, or a prefix with -prefix.")
        String id;

        @Option(names = {"-prefix", "--prefix"}, description = "Revoke every lease below ID.")
        boolean prefix;

        @Option(names = {"-force", "--force"}, description = "With -prefix: drop leases whose revocation fails.")
        boolean force;

        @Option(names = {"-sync", "--sync"}, arity = "0..1", fallbackValue = "true",
                description = "Wait for the revocation (default true); false queues it.")
        Boolean sync;

        @Override
        int run() {
            doing("revoking " + id);
            if (force && !prefix) {
                throw CliException.usage("-force requires -prefix");
            }
            if (prefix) {
                client().call("PUT", (force ? "sys/leases/revoke-force/" : "sys/leases/revoke-prefix/") + id, Map.of());
                success("Revoked any leases with prefix: " + id);
                return 0;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("lease_id", id);
            if (sync != null) {
                body.put("sync", sync);
            }
            client().call("PUT", "sys/leases/revoke", body);
            if (Boolean.FALSE.equals(sync)) {
                success("Revocation queued for: " + id);
            } else {
                success("Revoked lease: " + id);
            }
            return 0;
        }
    }
}
