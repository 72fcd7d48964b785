package io.custos.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code custos agent -config=FILE [-config=FILE ...]}: Vault Agent's command line. Exit codes:
 * 0 done (or stopped), 1 a template failed with {@code exit_after_auth}, 2 a configuration error.
 */
public final class AgentMain {
    private static final Logger LOG = Logger.getLogger(AgentMain.class.getName());

    private AgentMain() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        // read once, when the JDK's HTTP client first loads: never re-send a POST on a failed
        // connection (the broker may have minted the credential already); the agent retries itself
        System.setProperty("sun.net.http.retryPost", "false");
        logLevel(System.getenv().getOrDefault("CUSTOS_LOG_LEVEL", System.getenv("VAULT_LOG_LEVEL")));
        String formatProblem = JsonLogFormatter.apply(System.getenv().getOrDefault("CUSTOS_LOG_FORMAT",
                System.getenv("VAULT_LOG_FORMAT")));
        if (formatProblem != null) {
            System.err.println("custos agent: " + formatProblem);
            return 1;
        }
        List<Path> configs = new ArrayList<>();
        String configEnv = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("agent")) {
                continue;
            }
            if (a.startsWith("-config=") || a.startsWith("--config=")) {
                configs.add(Path.of(a.substring(a.indexOf('=') + 1)));
            } else if (a.startsWith("-config-env=") || a.startsWith("--config-env=")) {
                configEnv = a.substring(a.indexOf('=') + 1);
            } else if ((a.equals("-config") || a.equals("--config")) && i + 1 < args.length) {
                configs.add(Path.of(args[++i]));
            } else if (a.equals("-h") || a.equals("-help") || a.equals("--help")) {
                System.out.println("Usage: custos agent -config=FILE [-config=FILE ...] | -config-env=VARIABLE\n\n"
                        + "Runs the agent: logs in (auto_auth), renders templates into files, renews and re-fetches\n"
                        + "secrets before they end. The configuration is Vault Agent's (HCL or JSON), from files or\n"
                        + "from an environment variable holding it (as text or base64; what the injector sets).");
                return 0;
            } else {
                System.err.println("custos agent: unknown argument " + a + " (see -h)");
                return 2;
            }
        }
        AgentConfig config;
        try {
            config = configEnv == null ? ConfigLoader.load(configs, System.getenv())
                    : fromEnvironment(configEnv, configs, System.getenv());
        } catch (ConfigException e) {
            System.err.println("custos agent: " + e.getMessage());
            return 2;
        }
        Agent agent = new Agent(config, Clock.systemUTC(), System.getenv());
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "custos-agent-shutdown"));
        try {
            return agent.run();
        } catch (ConfigException e) {
            LOG.severe(e.getMessage());
            return 2;
        }
    }

    /** {@code -config-env=NAME}: the configuration in an environment variable, as text or base64 of it. */
    static AgentConfig fromEnvironment(String name, List<Path> files, Map<String, String> env) {
        if (!files.isEmpty()) {
            throw new ConfigException("-config-env and -config cannot be combined");
        }
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException("the environment variable " + name + " (-config-env) is not set");
        }
        String text = value.strip();
        if (text.matches("[A-Za-z0-9+/\\s]+={0,2}")) { // base64 (a configuration always has { or =)
            try {
                text = new String(Base64.getMimeDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("the environment variable " + name + " is neither a configuration nor base64");
            }
        }
        return ConfigLoader.parseText("$" + name, text, env);
    }

    /** CUSTOS_LOG_LEVEL (or VAULT_LOG_LEVEL): trace, debug, info (the default), warn, error. */
    static void logLevel(String name) {
        if (name == null || name.isBlank()) {
            return;
        }
        Level level = switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "warn", "warning" -> Level.WARNING;
            case "error", "err" -> Level.SEVERE;
            default -> Level.INFO;
        };
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }
}
