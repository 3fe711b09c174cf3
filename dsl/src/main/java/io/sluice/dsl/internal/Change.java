package io.sluice.dsl.internal;

/**
 * What a table forwards downstream: a key's value before and after an update, so that aggregations of a table can
 * subtract the old value and add the new one. Either side may be null (insert, delete).
 */
public record Change<V>(V oldValue, V newValue) {
}
