/**
 * The stream engine: the processor API, topologies, and what runs them — {@link io.sluice.engine.Job} against a
 * broker, {@link io.sluice.engine.TestDriver} in a unit test.
 *
 * <p>A {@link io.sluice.engine.Topology} is split into sub-topologies (nodes connected by parent links or shared
 * stores); each sub-topology runs as one {@code Task} per partition of its co-partitioned inputs. Tasks are spread
 * over stream threads; a task is owned by one thread, so processors and stores need no locks.
 *
 * <pre>
 *   stream thread (one per num.stream.threads), for its tasks:
 *
 *   consumer.poll ──► task queues ──► source ─► processors ─► sinks ──► producer ──► broker ingest ring
 *   (inputs, incl.     (per input      (deserialize,    │        (serialize)      (outputs, repartition
 *    repartition)       partition,      stream time)    ▼                           topics, changelogs)
 *                       min timestamp              state stores ──(dirty keys)──┘
 *                       first)
 *
 *   every commit.interval.ms: processors flush → stores log dirty keys → producer.flush → commit offsets
 *   on start: restore each store from its changelog, then init processors, then poll
 * </pre>
 *
 * <p>State: every store logs its changes to {@code <application.id>-<store>-changelog} (compacted), and a job
 * records each store's shape in {@code <application.id>-store-metadata}, so that a restart with a topology that no
 * longer matches its stored state fails instead of silently starting empty.
 */
package io.sluice.engine;
