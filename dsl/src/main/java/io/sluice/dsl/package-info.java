/**
 * The fluent stream DSL: {@link io.sluice.dsl.Pipeline} reads topics as {@link io.sluice.dsl.Stream}s and
 * {@link io.sluice.dsl.Table}s; stateless operators, grouping, windowed and session aggregation, suppression and
 * joins build an engine {@link io.sluice.engine.Topology}, which runs in a {@link io.sluice.engine.Job} or a
 * {@link io.sluice.engine.TestDriver}.
 *
 * <p>Stateful operators take a name, which becomes their store, changelog and repartition topic names: adding or
 * removing stateless steps never moves state. Serdes are given where a type enters and follow the records;
 * {@code build()} reports every missing serde and every other problem at once.
 */
package io.sluice.dsl;
