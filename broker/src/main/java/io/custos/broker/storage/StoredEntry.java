package io.custos.broker.storage;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** Row mapping of {@code custos_entries}. */
@MappedEntity("custos_entries")
public record StoredEntry(@Id String path, byte[] value, @MappedProperty("key_term") int keyTerm) {
}
