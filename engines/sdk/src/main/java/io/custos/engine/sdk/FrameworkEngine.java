package io.custos.engine.sdk;

/** A secrets engine built from {@link PathSpec}s: {@link FrameworkBackend}'s routing, plus lease hooks. */
public abstract class FrameworkEngine extends FrameworkBackend implements SecretsEngine {
}
