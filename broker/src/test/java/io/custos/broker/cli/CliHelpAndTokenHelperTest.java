package io.custos.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.Custos;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every command's help says what it does; the token helper protocol; Vault's environment variables as fallbacks. */
class CliHelpAndTokenHelperTest {
    @TempDir
    Path home;

    private CliEnvironment env(Map<String, String> vars) {
        return new CliEnvironment(vars, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()), new ByteArrayInputStream(new byte[0]), home);
    }

    private static void walk(CommandLine c, List<CommandLine> out) {
        out.add(c);
        c.getSubcommands().values().forEach(s -> walk(s, out));
    }

    @Test
    void everyCommandAndOptionIsDescribedAndAnswersDashH() {
        List<CommandLine> all = new ArrayList<>();
        walk(Commands.commandLine(new Custos(), env(Map.of())), all);
        assertTrue(all.size() > 50, "every verb is there: " + all.size());
        for (CommandLine c : all) {
            String name = c.getCommandSpec().qualifiedName();
            assertTrue(String.join("", c.getCommandSpec().usageMessage().description()).length() > 10, name);
            c.getCommandSpec().options().forEach(o -> assertTrue(String.join("", o.description()).length() > 3,
                    name + " " + o.longestName()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            c.setOut(new PrintWriter(out, true));
            assertEquals(0, c.execute("-h"), name);
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: " + name), name);
        }
    }

    @Test
    void aConfiguredTokenHelperGetsStoresAndTheEnvironmentWins() throws Exception {
        Path store = home.resolve("helper-store");
        Path helper = home.resolve("helper.sh");
        Files.writeString(helper, "#!/bin/sh\ncase \"$1\" in\n  get) cat '" + store + "' 2>/dev/null; true ;;\n"
                + "  store) cat > '" + store + "' ;;\n  erase) rm -f '" + store + "' ;;\nesac\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Path config = home.resolve("cli.hcl");
        Files.writeString(config, "token_helper = \"" + helper + "\"\n");
        TokenHelper h = TokenHelper.of(env(Map.of("CUSTOS_CONFIG_PATH", config.toString())));
        assertNull(h.get());
        h.store("cvs.from-helper");
        assertEquals("cvs.from-helper", Files.readString(store));
        assertEquals("cvs.from-helper", h.get());
        assertFalse(Files.exists(home.resolve(".custos-token")), "the helper, not the file");
        assertEquals("cvs.env", TokenHelper.of(env(Map.of("CUSTOS_CONFIG_PATH", config.toString(),
                "VAULT_TOKEN", "cvs.env"))).get());
        assertEquals("cvs.custos", TokenHelper.of(env(Map.of("VAULT_TOKEN", "cvs.vault", "CUSTOS_TOKEN", "cvs.custos")))
                .get(), "CUSTOS_TOKEN first");
    }

    @Test
    void vaultAddrIsTheFallbackAndABadAddressIsAUsageError() {
        ClientOptions o = new ClientOptions();
        assertEquals("http://10.0.0.1:8200", o.address(env(Map.of("VAULT_ADDR", "http://10.0.0.1:8200/"))).toString());
        assertEquals("https://a:1", o.address(env(Map.of("VAULT_ADDR", "http://b", "CUSTOS_ADDR", "https://a:1")))
                .toString());
        assertEquals("https://127.0.0.1:8200", o.address(env(Map.of())).toString());
        try {
            o.address(env(Map.of("CUSTOS_ADDR", "ftp://x")));
            throw new AssertionError("accepted ftp");
        } catch (CliException e) {
            assertEquals(CliException.USAGE_OR_SERVER, e.exitCode());
        }
    }
}
