/**
 * The DSL's processors (stateless operators, aggregations, suppression, joins), the serdes of its internal
 * records (changes, windowed keys, lists) and the state of a pipeline under construction.
 */
package io.sluice.dsl.internal;
