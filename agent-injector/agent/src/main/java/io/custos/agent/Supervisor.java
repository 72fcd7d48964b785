package io.custos.agent;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Vault Agent's process-supervisor mode: the application runs as the agent's child with the
 * rendered {@code env_template}s in its environment, and is restarted (stop signal, then a fresh
 * start) when they change if {@code restart_on_secret_changes = "always"}. The agent ends with the
 * child's exit code when the child ends on its own.
 */
final class Supervisor {
    private static final Logger LOG = Logger.getLogger(Supervisor.class.getName());
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final AgentConfig.Exec exec;
    private Process child;
    private Map<String, String> environment;

    Supervisor(AgentConfig.Exec exec) {
        if (exec.command().isEmpty()) {
            throw new ConfigException("exec needs a command");
        }
        if (!List.of("always", "never").contains(exec.restartOnSecretChanges())) {
            throw new ConfigException("exec.restart_on_secret_changes must be \"always\" or \"never\"");
        }
        if (!List.of("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2")
                .contains(exec.restartStopSignal())) {
            throw new ConfigException("exec.restart_stop_signal " + exec.restartStopSignal() + " is not supported");
        }
        this.exec = exec;
    }

    /** Starts the child, or restarts it when {@code rendered} differs from what it runs with. */
    void apply(Map<String, String> rendered) throws IOException, InterruptedException {
        Map<String, String> env = new TreeMap<>(rendered);
        if (child != null && child.isAlive()) {
            if (env.equals(environment) || exec.restartOnSecretChanges().equals("never")) {
                return;
            }
            stop();
        }
        ProcessBuilder pb = new ProcessBuilder(exec.command()).inheritIO();
        pb.environment().putAll(env);
        child = pb.start();
        environment = env;
        LOG.info("started " + exec.command().get(0) + " (pid " + child.pid() + ") with " + env.size()
                + " rendered variables");
    }

    /** The child's exit code once it ended on its own, else null. */
    Integer exitedWith() {
        return child != null && !child.isAlive() ? child.exitValue() : null;
    }

    void stop() throws IOException, InterruptedException {
        if (child == null || !child.isAlive()) {
            return;
        }
        if (exec.restartStopSignal().equals("SIGKILL")) {
            child.destroyForcibly();
        } else {
            // the JDK sends SIGTERM only; other signals go through kill(1)
            if (exec.restartStopSignal().equals("SIGTERM")) {
                child.destroy();
            } else {
                new ProcessBuilder("kill", "-s", exec.restartStopSignal().substring(3), Long.toString(child.pid()))
                        .start().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (!child.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            child.destroyForcibly().waitFor();
        }
    }
}
