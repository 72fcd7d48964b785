package io.custos.broker.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Vault's CLI verbs under the launcher's root command, each given the environment it runs in:
 * {@code login}, {@code status}, {@code read}, {@code write}, {@code list}, {@code delete},
 * {@code patch}, {@code unwrap}, {@code kv}, {@code secrets}, {@code auth}, {@code policy}, {@code token},
 * {@code lease}, {@code operator}, {@code print}, and {@code audit enable|disable|list} beside {@code audit verify}.
 */
public final class Commands {
    private static final List<Class<?>> VERBS = List.of(LoginCommand.class, StatusCommand.class,
            GenericCommands.Read.class, GenericCommands.Write.class, GenericCommands.ListKeys.class,
            GenericCommands.Delete.class, GenericCommands.Patch.class, GenericCommands.Unwrap.class, KvCommands.class,
            MountCommands.Secrets.class, MountCommands.Auth.class, PolicyCommands.class, TokenCommands.class,
            LeaseCommands.class, OperatorCommands.class, PrintCommands.class);
    private static final List<Class<?>> AUDIT = List.of(AuditCommands.Enable.class, AuditCommands.Disable.class,
            AuditCommands.ListDevices.class);

    private Commands() {
    }

    /** The root command with every verb; {@code @file} arguments are left alone (they are Vault's K=@file). */
    public static CommandLine commandLine(Object root, CliEnvironment env) {
        CommandLine cl = new CommandLine(root, CliCommand.factory(env));
        VERBS.forEach(cl::addSubcommand);
        CommandLine audit = cl.getSubcommands().get("audit");
        if (audit != null) {
            AUDIT.forEach(audit::addSubcommand);
        }
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(env.out(), true));
        cl.setErr(new PrintWriter(env.err(), true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("Error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return CliException.LOCAL;
        });
        return cl;
    }
}
