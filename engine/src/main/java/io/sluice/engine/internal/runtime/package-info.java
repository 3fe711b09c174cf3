/**
 * Running a job on a broker: checking and creating its topics ({@code JobSetup}), stream threads that poll, process
 * and commit, restoring stores from changelogs, and the collector that sends output through a producer.
 */
package io.sluice.engine.internal.runtime;
