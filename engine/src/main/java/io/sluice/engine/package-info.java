/** The stream engine: processor API, topology, tasks, state stores and changelogs. */
package io.sluice.engine;
