package io.custos.agent;

import io.custos.gotemplate.Template;
import io.custos.gotemplate.TemplateException;
import io.custos.gotemplate.TemplateFunction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Rendering for the agent: every template into memory first, then every file staged and renamed
 * together (a template sharing a secret with one that failed is held back with it), commands run
 * after the pass; each failure is the template's own, retried with its own backoff. In
 * process-supervisor mode, the env templates too (all or nothing).
 */
final class Renderer {
    private static final Logger LOG = Logger.getLogger(Renderer.class.getName());
    static final int ENV_BASE = 100_000;

    /** One template: its parsed form and its state. */
    static final class Rendered {
        final int index;
        final AgentConfig.TemplateSpec spec;
        Template template;
        Instant lastRender;
        String lastError;
        int failures;
        Duration backoff = Duration.ZERO;
        Instant retryAt;
        boolean dirty = true;
        /** For {@code wait}: the first and the last secret change since the last render. */
        Instant firstChange;
        Instant lastChange;

        Rendered(int index, AgentConfig.TemplateSpec spec) {
            this.index = index;
            this.spec = spec;
        }
    }

    private final AgentConfig config;
    private final Clock clock;
    private final Map<String, String> env;
    private final Random random;
    private final SecretCache cache;
    private final Supervisor supervisor;
    private final AtomicLong failures;
    private final AtomicLong renders;
    private final BooleanSupplier stopping;
    private final Runnable onFatal;
    private final List<Rendered> templates = new ArrayList<>();
    private final Map<String, Template> envTemplates = new LinkedHashMap<>();
    private boolean envDirty = true;

    /**
     * {@code failures} and {@code renders} are the agent's counters; {@code onFatal} runs when a
     * template fails past its retries with exit_on_retry_failure set.
     */
    Renderer(AgentConfig config, Clock clock, Map<String, String> env, Random random, SecretCache cache,
            Supervisor supervisor, AtomicLong failures, AtomicLong renders, BooleanSupplier stopping, Runnable onFatal) {
        this.config = config;
        this.clock = clock;
        this.env = env;
        this.random = random;
        this.cache = cache;
        this.supervisor = supervisor;
        this.failures = failures;
        this.renders = renders;
        this.stopping = stopping;
        this.onFatal = onFatal;
        for (int i = 0; i < config.templates().size(); i++) {
            templates.add(new Rendered(i, config.templates().get(i)));
        }
    }

    List<Rendered> templates() {
        return templates;
    }

    /** A secret an env template uses changed: the environment is rendered again on the next pass. */
    void environmentChanged() {
        envDirty = true;
    }


    /** Renders every dirty template; each failure is the template's own, retried with its own backoff. */
    void renderDirty() {
        renderFiles();
        if (supervisor != null && envDirty && !stopping.getAsBoolean()) {
            try {
                supervisor.apply(renderEnvironment());
                envDirty = false;
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                LOG.warning("env_template failed (" + e.getMessage() + "); the process is not (re)started yet");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The env templates rendered (all or nothing: a child never starts with half its environment). */
    private Map<String, String> renderEnvironment() throws IOException {
        Map<String, String> out = new TreeMap<>();
        int i = 0;
        for (AgentConfig.EnvTemplate e : config.envTemplates()) {
            Template t = envTemplates.get(e.name());
            if (t == null) {
                t = Template.parse(e.name(), e.contents(), options("{{", "}}", e.errorOnMissingKey()));
                envTemplates.put(e.name(), t);
            }
            cache.rendering(ENV_BASE + i++, null);
            try {
                out.put(e.name(), t.execute(Map.of()));
            } catch (TemplateException ex) {
                throw new IOException(ex.getMessage());
            } finally {
                cache.rendering(-1, null);
            }
        }
        return out;
    }

    private Template.Options options(String left, String right, boolean errorOnMissingKey) {
        Map<String, TemplateFunction> funcs = new HashMap<>(Functions.helpers(clock, env));
        funcs.putAll(Functions.secretFunctions(cache));
        return Template.Options.DEFAULTS.withDelimiters(left, right).withFunctions(funcs)
                .withMissingKey(errorOnMissingKey ? Template.MissingKey.ERROR : Template.MissingKey.DEFAULT);
    }

    /**
     * Renders the dirty templates in two steps: every one into memory first, then the files. A
     * template that shares a secret with one that failed is held back with it, so a certificate is
     * never written without its key (or the key without its CA); the files of one pass are written
     * one right after the other, and the commands run after all of them.
     */
    private void renderFiles() {
        for (Rendered t : writeAll(renderInMemory())) {
            renders.incrementAndGet();
            runCommand(t);
        }
    }

    /** Every dirty template rendered into memory; those sharing a secret with a failed one are held back. */
    private Map<Rendered, String> renderInMemory() {
        Instant now = clock.instant();
        Map<Rendered, String> outputs = new LinkedHashMap<>();
        List<Rendered> failed = new ArrayList<>();
        for (Rendered t : templates) {
            if (!t.dirty || stopping.getAsBoolean()) {
                continue;
            }
            Instant quiet = quiescence(t);
            if (quiet != null && now.isBefore(quiet)) {
                t.retryAt = quiet; // wait { min, max }: re-render once the secrets have settled
                continue;
            }
            try {
                outputs.put(t, execute(t));
            } catch (IOException | RuntimeException e) {
                failed(t, e);
                failed.add(t);
            }
        }
        for (Rendered f : failed) {
            for (Rendered t : new ArrayList<>(outputs.keySet())) {
                if (sharesSecret(f, t)) {
                    outputs.remove(t);
                    failed(t, new IOException("held back: it shares a secret with " + f.spec.label() + ", which failed"));
                }
            }
        }
        return outputs;
    }

    /**
     * Every file of the pass is staged (written, fsynced) before any is renamed into place; one that
     * cannot be staged holds back those sharing a secret with it, like a failed render. Returns the
     * templates whose files changed.
     */
    private List<Rendered> writeAll(Map<Rendered, String> outputs) {
        List<Rendered> changed = new ArrayList<>();
        try (AtomicFileWriter.Batch batch = new AtomicFileWriter.Batch()) {
            Map<Rendered, AtomicFileWriter.Staged> staged = new LinkedHashMap<>();
            List<Rendered> unwritable = new ArrayList<>();
            for (Map.Entry<Rendered, String> e : outputs.entrySet()) {
                Rendered t = e.getKey();
                try {
                    staged.put(t, batch.stage(Path.of(t.spec.destination()), e.getValue().getBytes(StandardCharsets.UTF_8),
                            t.spec.perms(), t.spec.createDestDirs(), t.spec.backup()));
                } catch (IOException | RuntimeException ex) {
                    failed(t, ex);
                    unwritable.add(t);
                }
            }
            for (Rendered f : unwritable) {
                for (Rendered t : new ArrayList<>(staged.keySet())) {
                    if (sharesSecret(f, t)) {
                        batch.discard(staged.remove(t));
                        failed(t, new IOException("held back: it shares a secret with " + f.spec.label()
                                + ", which could not be written"));
                    }
                }
            }
            IOException commitFailure = null;
            try {
                batch.commit();
            } catch (IOException | RuntimeException ex) {
                commitFailure = ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
            }
            for (Map.Entry<Rendered, AtomicFileWriter.Staged> e : staged.entrySet()) {
                settle(e.getKey(), e.getValue(), commitFailure, changed);
            }
        }
        return changed;
    }

    /** After the commit: a template whose file did not land failed; the others are rendered (changed or not). */
    private void settle(Rendered t, AtomicFileWriter.Staged s, IOException commitFailure, List<Rendered> changed) {
        if (s != null && !s.committed()) {
            failed(t, commitFailure);
            return;
        }
        if (s != null) {
            changed.add(t);
        }
        t.dirty = false;
        t.failures = 0;
        t.backoff = Duration.ZERO;
        t.retryAt = null;
        t.lastError = null;
        t.firstChange = null;
        t.lastChange = null;
        t.lastRender = clock.instant();
    }

    private boolean sharesSecret(Rendered a, Rendered b) {
        for (SecretCache.Entry e : cache.entries()) {
            if (e.templates.contains(a.index) && e.templates.contains(b.index)) {
                return true;
            }
        }
        return false;
    }

    private void failed(Rendered t, Exception e) {
        t.failures++;
        failures.incrementAndGet();
        t.lastError = e.getMessage();
        if (config.templateConfig().exitOnRetryFailure() && t.failures > config.vault().numRetries()) {
            LOG.severe("template " + t.spec.label() + " failed " + t.failures + " times: exiting (exit_on_retry_failure)");
            onFatal.run();
        }
        t.backoff = RefreshPolicy.backoff(t.backoff, Duration.ofMillis(250), Duration.ofMinutes(1), random.nextDouble());
        t.retryAt = clock.instant().plus(t.backoff);
        t.dirty = false;
        LOG.warning("template " + t.spec.label() + " failed (" + e.getMessage() + "); retrying in "
                + t.backoff.toMillis() + " ms");
    }

    /**
     * Vault Agent's {@code wait}: a re-render waits until no secret changed for {@code min}, but no
     * longer than {@code max} after the first change (4 × min when max is unset, as consul-template).
     * The first render never waits. Null when there is nothing to wait for.
     */
    static Instant quiescence(Rendered t) {
        Duration min = t.spec.waitMin();
        if (min.isZero() || t.lastRender == null || t.lastChange == null) {
            return null;
        }
        Duration max = t.spec.waitMax().isZero() ? min.multipliedBy(4) : t.spec.waitMax();
        Instant settled = t.lastChange.plus(min);
        Instant cap = t.firstChange.plus(max);
        return settled.isBefore(cap) ? settled : cap;
    }

    /** Renders one template into memory. */
    String execute(Rendered t) throws IOException {
        if (t.template == null) {
            String text = t.spec.contents() != null ? t.spec.contents()
                    : Files.readString(Path.of(t.spec.source()), StandardCharsets.UTF_8);
            try {
                t.template = Template.parse(t.spec.destination(), text, options(t.spec.leftDelimiter(),
                        t.spec.rightDelimiter(), t.spec.errorOnMissingKey()));
            } catch (TemplateException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        cache.rendering(t.index, t.spec.destination());
        try {
            return t.template.execute(Map.of());
        } catch (TemplateException e) {
            throw new IOException(e.getMessage());
        } finally {
            cache.rendering(-1, null);
        }
    }

    /** The template's command after a change: logged and reported when it fails, never retried in a loop. */
    private void runCommand(Rendered t) {
        List<String> argv;
        Duration timeout;
        if (!t.spec.execCommand().isEmpty()) {
            argv = t.spec.execCommand();
            timeout = t.spec.execTimeout();
        } else if (t.spec.command() != null && !t.spec.command().isBlank()) {
            argv = List.of("/bin/sh", "-c", t.spec.command());
            timeout = t.spec.commandTimeout();
        } else {
            return;
        }
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                LOG.warning("command of template " + t.spec.label() + " timed out after " + timeout);
            } else if (p.exitValue() != 0) {
                LOG.warning("command of template " + t.spec.label() + " exited with " + p.exitValue());
            }
        } catch (IOException e) {
            LOG.warning("command of template " + t.spec.label() + " could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The templates that still have an error (for exit codes and status). */
    Set<String> failing() {
        Set<String> out = new TreeSet<>();
        templates.stream().filter(t -> t.lastError != null).forEach(t -> out.add(t.spec.label()));
        return out;
    }
}
