package io.custos.broker.seal;

import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;

/** Seals on shutdown: encryption counts are saved and every key is dropped from memory before exit. */
@Singleton
public class ShutdownSeal {
    private final Core core;

    public ShutdownSeal(Core core) {
        this.core = core;
    }

    @EventListener
    void onShutdown(ShutdownEvent event) {
        try {
            core.seal();
        } catch (RuntimeException e) {
            // storage may already be gone; the keys are dropped with the process either way
        }
    }
}
