package io.custos.broker;

import io.custos.broker.audit.AuditChain;
import io.custos.broker.cli.CliEnvironment;
import io.custos.broker.cli.Commands;
import io.custos.broker.dev.DevServer;
import io.custos.engine.sdk.Json;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** The {@code custos} command line (picocli); flags are spelled as Vault's CLI spells them. */
@Command(name = "custos", mixinStandardHelpOptions = true, version = BuildInfo.VERSION,
        description = {"A secrets broker for zero-trust systems.",
            "The client commands take Vault's flags and CUSTOS_ADDR/CUSTOS_TOKEN (or VAULT_ADDR/VAULT_TOKEN);",
            "exit codes: 0 done, 1 a local problem, 2 wrong usage or an error from the broker."},
        subcommands = {Custos.Server.class, Custos.Audit.class})
public final class Custos implements Runnable {
    @Spec
    CommandSpec spec;


    public static void main(String[] args) {
        String problem = selectLogFormat(System.getenv());
        if (problem != null) {
            System.err.println("custos: " + problem);
            System.exit(1);
        }
        int code = Commands.commandLine(new Custos(), CliEnvironment.system()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code CUSTOS_LOG_FORMAT} (or {@code VAULT_LOG_FORMAT}): {@code standard} (the default) or
     * {@code json}, chosen before anything logs; returns the problem with any other value.
     */
    static String selectLogFormat(Map<String, String> env) {
        String format = firstSet(env.get("CUSTOS_LOG_FORMAT"), env.get("VAULT_LOG_FORMAT"));
        if (format == null || format.equals("standard")) {
            return null;
        }
        if (!format.equals("json")) {
            return "CUSTOS_LOG_FORMAT must be standard or json, not \"" + format + "\"";
        }
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        return null;
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** {@code custos audit verify FILE}: checks an audit file's hash chain. */
    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "Audit devices: enable, disable, list (on the broker), verify (a file).",
            subcommands = Custos.Audit.Verify.class)
    static final class Audit implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }

        @Command(name = "verify", mixinStandardHelpOptions = true,
                description = {"Reports the first edited, inserted, deleted or cut line of an audit file.",
                        "With a broker address and a token (CUSTOS_ADDR/VAULT_ADDR, CUSTOS_TOKEN/VAULT_TOKEN or the "
                                + "options) the broker checks the file's HMAC chain and its stored checkpoints "
                                + "(the file must be on the broker's host); without them only the structure "
                                + "(genesis record, sequence, torn lines) can be checked."})
        static final class Verify implements Callable<Integer> {
            @picocli.CommandLine.Parameters(paramLabel = "FILE", description = "The audit file.")
            File file;

            @Option(names = "-address", paramLabel = "URL", description = "The broker (default: CUSTOS_ADDR, VAULT_ADDR).")
            String address;

            @Option(names = "-device", paramLabel = "NAME", defaultValue = "file",
                    description = "The audit device that wrote the file (default: ${DEFAULT-VALUE}).")
            String device;

            @Override
            public Integer call() {
                String addr = firstSet(address, System.getenv("CUSTOS_ADDR"), System.getenv("VAULT_ADDR"));
                String token = firstSet(System.getenv("CUSTOS_TOKEN"), System.getenv("VAULT_TOKEN"));
                try {
                    if (addr != null && token != null) {
                        return viaBroker(addr, token);
                    }
                    AuditChain.Result r =
                            AuditChain.verify(file.toPath(), null, null);
                    if (r.ok()) {
                        System.out.println("ok: " + r.lines() + " lines, structure intact (" + r.problem() + ")");
                        return 0;
                    }
                    System.out.println("line " + r.badLine() + ": " + r.problem());
                    return 1;
                } catch (IOException e) {
                    System.err.println("cannot read " + file + ": " + e.getMessage());
                    return 2;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 2;
                }
            }

            private Integer viaBroker(String addr, String token) throws IOException, InterruptedException {
                byte[] body = Json.write(Map.of("file_path",
                        file.getAbsolutePath()));
                HttpResponse<byte[]> r = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(addr.replaceAll("/+$", "")
                                        + "/v1/sys/audit/" + device + "/verify"))
                                .header("X-Vault-Token", token).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                Map<String, Object> json = Json.readMap(r.body());
                if (r.statusCode() != 200) {
                    System.err.println("the broker refused: " + json.get("errors"));
                    return 2;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> data = (Map<String, Object>) json.get("data");
                if (Boolean.TRUE.equals(data.get("ok"))) {
                    System.out.println("ok: " + data.get("lines") + " lines, HMAC chain and checkpoints intact");
                    return 0;
                }
                System.out.println("line " + data.get("bad_line") + ": " + data.get("problem"));
                return 1;
            }
        }
    }

    /** {@code custos server}: the production server, or dev mode with {@code -dev}. */
    @Command(name = "server", mixinStandardHelpOptions = true, description = "Runs the Custos server.")
    static final class Server implements Callable<Integer> {
        @Option(names = "-dev", description = "Dev mode: embedded storage, unsealed, HTTP on loopback, KV v2 at secret/.")
        boolean dev;

        @Option(names = "-config", paramLabel = "FILE", description = "Configuration file (YAML).")
        File config;

        @Option(names = "-dev-root-token-id", paramLabel = "ID", description = "Dev mode: the root token to create "
                + "(env CUSTOS_DEV_ROOT_TOKEN_ID).")
        String devRootTokenId;

        @Option(names = "-dev-listen-address", paramLabel = "HOST:PORT", description = "Dev mode: listen address "
                + "(default " + DevServer.DEFAULT_LISTEN_ADDRESS + ").")
        String devListenAddress;

        @Override
        public Integer call() {
            if (!dev && config == null) {
                System.err.println("custos server needs -config=FILE, or -dev for dev mode");
                return 2;
            }
            if (config != null && !config.canRead()) {
                System.err.println("cannot read the config file " + config);
                return 2;
            }
            Map<String, Object> props = new HashMap<>();
            if (config != null) {
                // read when the environment is created, so it must be a system property
                System.setProperty("micronaut.config.files", config.getAbsolutePath());
            }
            DevServer devServer = dev ? new DevServer() : null;
            String listen = devListenAddress != null ? devListenAddress : DevServer.DEFAULT_LISTEN_ADDRESS;
            AtomicReference<ApplicationContext> started =
                    new AtomicReference<>();
            if (dev) {
                try {
                    props.putAll(devServer.prepare(listen, System.getenv()));
                } catch (RuntimeException e) {
                    System.err.println("custos: cannot start dev mode: " + e.getMessage());
                    return 1;
                }
                // the broker stops (and seals, saving its counts) before its embedded PostgreSQL does:
                // Micronaut's own shutdown hook stops it; this one waits for that (closing the context
                // from here too would deadlock with it) and then stops PostgreSQL
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    ApplicationContext running = started.get();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (running != null && running.isRunning() && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            break; // exiting anyway
                        }
                    }
                    devServer.close();
                }));
            }
            try {
                ApplicationContext ctx = Micronaut.build(new String[0]).banner(false).mainClass(Custos.class)
                        .properties(props).start();
                started.set(ctx);
                if (dev) {
                    String token = devRootTokenId != null ? devRootTokenId : System.getenv("CUSTOS_DEV_ROOT_TOKEN_ID");
                    devServer.bootstrap(ctx, token, listen);
                }
                return 0;
            } catch (RuntimeException e) {
                System.err.println("custos: cannot start: " + rootCause(e));
                return 1;
            }
        }
    }
}
