package io.custos.broker.seal;

import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** With an auto-seal configured, unseals as soon as the server starts (if storage is initialised). */
@Singleton
public class StartupUnseal {
    private static final Logger LOG = LoggerFactory.getLogger(StartupUnseal.class);
    private final Core core;

    public StartupUnseal(Core core) {
        this.core = core;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (core.autoUnseal()) {
            LOG.info("unsealed with the configured auto-seal");
        }
    }
}
