package io.sluice.runner.internal;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/** Formats an HdrHistogram of nanosecond latencies as percentiles in microseconds, and writes .hgrm files. */
public final class LatencyReport {
    private LatencyReport() {
    }

    /** {@code p50 12.3 µs, p99 …, p99.9 …, max …} */
    public static String percentiles(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return "no samples";
        }
        return String.format("p50 %s, p99 %s, p99.9 %s, max %s", micros(nanos.getValueAtPercentile(50)),
                micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)),
                micros(nanos.getMaxValue()));
    }

    /** A duration in the unit that reads best: {@code 85 ns}, {@code 3.2 µs}, {@code 412 µs}, {@code 1.25 ms}. */
    public static String micros(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        double us = nanos / 1000.0;
        if (us >= 10_000_000) {
            return String.format("%.1f s", us / 1_000_000);
        }
        if (us >= 10_000) {
            return String.format("%.1f ms", us / 1000);
        }
        if (us >= 1_000) {
            return String.format("%.2f ms", us / 1000);
        }
        return us >= 100 ? String.format("%.0f µs", us) : String.format("%.1f µs", us);
    }

    /** Writes HdrHistogram's percentile distribution, in microseconds, for plotting. */
    public static void writeHgrm(Histogram nanos, Path file) {
        try (PrintStream out = new PrintStream(file.toFile(), java.nio.charset.StandardCharsets.UTF_8)) {
            nanos.outputPercentileDistribution(out, 1000.0);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("Cannot write histogram file: " + file, e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
