package io.custos.broker.seal;

import io.custos.broker.barrier.IntegrityException;
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
        try {
            if (core.autoUnseal()) {
                LOG.info("unsealed with the configured auto-seal");
            }
        } catch (IntegrityException e) {
            // stay up and sealed: health checks and operators see why, and a fixed key can be supplied
            LOG.error("auto-unseal failed: the configured seal key does not decrypt the root key; staying sealed");
        }
    }
}
