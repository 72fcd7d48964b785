package io.custos.agent;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
        List<Path> configs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("agent")) {
                continue;
            }
            if (a.startsWith("-config=") || a.startsWith("--config=")) {
                configs.add(Path.of(a.substring(a.indexOf('=') + 1)));
            } else if ((a.equals("-config") || a.equals("--config")) && i + 1 < args.length) {
                configs.add(Path.of(args[++i]));
            } else if (a.equals("-h") || a.equals("-help") || a.equals("--help")) {
                System.out.println("Usage: custos agent -config=FILE [-config=FILE ...]\n\n"
                        + "Runs the agent: logs in (auto_auth), renders templates into files, renews and re-fetches\n"
                        + "secrets before they end. The configuration is Vault Agent's (HCL or JSON).");
                return 0;
            } else {
                System.err.println("custos agent: unknown argument " + a + " (see -h)");
                return 2;
            }
        }
        AgentConfig config;
        try {
            config = ConfigLoader.load(configs, System.getenv());
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
}
