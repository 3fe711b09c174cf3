/** Helpers of the command line: data directories, latency histograms and their reports. */
package io.sluice.runner.internal;
