package io.custos.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The real broker: the shaded jar started as its own process, with its output captured. */
final class BrokerProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private static final AtomicInteger STARTED = new AtomicInteger();

    private final Thread reader;

    private BrokerProcess(Process process, boolean scanned) throws IOException {
        this.process = process;
        // every broker's output is kept for NoSecretInLogsIT, which scans it for the tests' secrets; a CLI
        // command's is not: printing the secret asked for is its job
        Path logs = scanned ? SecretMarkers.dir().resolve("logs") : Files.createTempDirectory("custos-cli-output");
        Files.createDirectories(logs);
        Path logFile = logs.resolve(ProcessHandle.current().pid() + "-" + STARTED.incrementAndGet() + ".log");
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    log.write(line);
                    log.write('\n');
                    log.flush();
                }
            } catch (IOException e) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    static BrokerProcess start(List<String> args, Map<String, String> env, Path workDir) throws IOException {
        // dev mode runs the dev jar, as ./custos does: the production jar has no embedded PostgreSQL
        String jar = args.contains("-dev") ? "custos.dev.jar" : "custos.jar";
        return startJar(jar, List.of("-Xmx256m"), args, env, workDir);
    }

    /** A CLI command of the production jar (its output, which may hold the secrets it was asked for, is not scanned). */
    static BrokerProcess startCli(List<String> args, Map<String, String> env, Path workDir) throws IOException {
        return startJar("custos.jar", List.of("-Xmx128m"), args, env, workDir, false);
    }

    /** The production jar whatever the arguments (dev mode included, which it refuses). */
    static BrokerProcess startProductionJar(List<String> args, Map<String, String> env, Path workDir) throws IOException {
        return startJar("custos.jar", List.of("-Xmx256m"), args, env, workDir);
    }

    /** The agent's jar as a process, with the launcher's JVM flags (its output is scanned for secrets too). */
    static BrokerProcess startAgent(List<String> args, Map<String, String> env, Path workDir) throws IOException {
        return startJar("custos.agent.jar", List.of("-XX:+UseSerialGC", "-Xmx48m"), args, env, workDir);
    }

    static BrokerProcess startInjector(List<String> args, Map<String, String> env, Path workDir) throws IOException {
        return startJar("custos.injector.jar", List.of("-XX:+UseSerialGC", "-Xmx128m"), args, env, workDir);
    }

    private static BrokerProcess startJar(String property, List<String> jvm, List<String> args, Map<String, String> env,
            Path workDir) throws IOException {
        return startJar(property, jvm, args, env, workDir, true);
    }

    private static BrokerProcess startJar(String property, List<String> jvm, List<String> args, Map<String, String> env,
            Path workDir, boolean scanned) throws IOException {
        String jar = System.getProperty(property);
        if (jar == null || !Path.of(jar).toFile().isFile()) {
            throw new IllegalStateException("the jar is missing (" + jar + "); run ./mvnw verify");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-Djava.io.tmpdir=" + workDir, "-Duser.home=" + workDir, "-jar", jar));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOS_"));
        pb.environment().putAll(env);
        return new BrokerProcess(pb.start(), scanned);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits until the output contains {@code needle}; fails with the output if the process dies first. */
    String awaitOutput(String needle, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output.indexOf(needle) >= 0) {
                return output.toString();
            }
            if (!process.isAlive()) {
                throw new AssertionError("broker exited (" + process.exitValue() + ") before printing \"" + needle
                        + "\":\n" + output);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("broker did not print \"" + needle + "\" within " + timeout + ":\n" + output);
    }

    String output() {
        return output.toString();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("broker did not exit:\n" + output);
        }
        reader.join(5_000); // the last lines are read after the process ended
        return process.exitValue();
    }

    /** Kills the process at once (SIGKILL: no shutdown hook, nothing flushed), as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
