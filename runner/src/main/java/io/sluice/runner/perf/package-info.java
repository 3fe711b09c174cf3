/** {@code sluice perf}: throughput and latency benchmarks; latencies are recorded in HdrHistograms. */
package io.sluice.runner.perf;
