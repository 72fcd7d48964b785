package io.custos.broker.storage;

import io.custos.broker.config.StorageConfiguration;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import jakarta.inject.Singleton;

/** The {@link PhysicalStorage} the broker uses: PostgreSQL, behind the read cache unless disabled. */
@Factory
public class StorageFactory {

    @Singleton
    @Primary
    PhysicalStorage physicalStorage(PostgresPhysicalStorage postgres, StorageConfiguration config, CacheValidity validity) {
        return config.isCacheEnabled() ? new CachedPhysicalStorage(postgres, config.getCacheMaxBytes(), validity)
                : postgres;
    }
}
