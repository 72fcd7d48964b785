package io.custos.broker.storage;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** Row mapping of {@code custos_core}. */
@MappedEntity("custos_core")
public record CoreRecord(@Id String name, byte[] value) {
}
