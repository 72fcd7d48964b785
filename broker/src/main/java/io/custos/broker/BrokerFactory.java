package io.custos.broker;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Beans that are plain JDK objects. */
@Factory
public class BrokerFactory {

    /** Every expiry and timestamp decision goes through this clock, so tests can move time. */
    @Singleton
    public Clock clock() {
        return Clock.systemUTC();
    }
}
