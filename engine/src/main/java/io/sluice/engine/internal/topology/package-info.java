/** The validated topology model: node specs, stores, repartition topics, sub-topologies and partition counts. */
package io.sluice.engine.internal.topology;
