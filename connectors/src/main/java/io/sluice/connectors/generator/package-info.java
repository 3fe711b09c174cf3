/** A data-generator source, for demos and benchmarks: records at a rate, over a key space, from a JSON template. */
package io.sluice.connectors.generator;
