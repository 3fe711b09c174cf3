package io.sluice.runner.internal;

import io.sluice.engine.LatencyProfile;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * What {@code --profile} writes: every interval, a percentile table of that interval and an entry per operator in
 * {@code latency.hlog} (HdrHistogram's interval log, tagged by operator); at the end, the table of the whole run,
 * one {@code <operator>.hgrm} percentile distribution per operator (milliseconds, as HdrHistogram's plotter reads)
 * and {@code latency.svg}, the percentile curves of all operators.
 */
public final class ProfileReport implements AutoCloseable {
    /** End-to-end latencies past a day mean the timestamps were not produce times: they are left out of the chart. */
    private static final long EVENT_TIME_NANOS = java.util.concurrent.TimeUnit.DAYS.toNanos(1);

    private final LatencyProfile profile;
    private final Path dir;
    private final PrintWriter out;
    private final Map<String, Histogram> total = new LinkedHashMap<>();
    private final PrintStream logStream;
    private final HistogramLogWriter log;
    private final long startMs = System.currentTimeMillis();
    private boolean closed;

    public ProfileReport(LatencyProfile profile, Path dir, PrintWriter out) {
        this.profile = profile;
        this.dir = dir;
        this.out = out;
        for (String operator : profile.operators()) {
            total.put(operator, new Histogram(3));
        }
        try {
            Files.createDirectories(dir);
            logStream = new PrintStream(Files.newOutputStream(dir.resolve("latency.hlog")), true,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the profile to " + dir, e);
        }
        log = new HistogramLogWriter(logStream);
        log.outputLogFormatVersion();
        log.outputStartTime(startMs);
        log.setBaseTime(startMs);
        log.outputLegend();
    }

    /** Drops what was recorded so far (a warm-up): it is neither printed, logged nor counted in the whole run. */
    public synchronized void discard() {
        profile.takeInterval();
    }

    /** Takes what was recorded since the last call: prints its table and logs it. */
    public synchronized void interval() {
        Map<String, Histogram> interval = profile.takeInterval();
        long now = System.currentTimeMillis();
        for (Map.Entry<String, Histogram> e : interval.entrySet()) {
            Histogram h = e.getValue();
            total.get(e.getKey()).add(h);
            if (h.getTotalCount() > 0) {
                h.setTag(e.getKey().replace(',', '_').replace(' ', '_'));
                h.setStartTimeStamp(h.getStartTimeStamp() == Long.MAX_VALUE ? now : h.getStartTimeStamp());
                h.setEndTimeStamp(now);
                log.outputIntervalHistogram(h);
            }
        }
        print("Latency over the last interval", interval);
    }

    /** Takes the last interval, prints the table of the whole run and writes the .hgrm files and the chart. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        interval();
        logStream.close();
        print("Latency over the whole run", total);
        for (Map.Entry<String, Histogram> e : total.entrySet()) {
            if (e.getValue().getTotalCount() == 0) {
                continue;
            }
            Path file = dir.resolve(fileName(e.getKey()) + ".hgrm");
            try (PrintStream hgrm = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
                e.getValue().outputPercentileDistribution(hgrm, 1_000_000.0);
            } catch (IOException ex) {
                throw new UncheckedIOException("Cannot write " + file, ex);
            }
        }
        Map<String, Histogram> charted = new LinkedHashMap<>(total);
        Histogram endToEnd = total.get(LatencyProfile.END_TO_END);
        if (endToEnd.getTotalCount() > 0 && endToEnd.getValueAtPercentile(50) > EVENT_TIME_NANOS) {
            out.println("  (end-to-end is left out of the chart: the records' timestamps are event times, days "
                    + "before they were produced, not produce times)");
            charted.remove(LatencyProfile.END_TO_END);
        }
        try {
            Files.writeString(dir.resolve("latency.svg"), PercentileChart.svg("Latency per operator and end to end",
                    charted));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the chart to " + dir, e);
        }
        out.printf("Profile written to %s: latency.svg, latency.hlog, <operator>.hgrm%n", dir);
        out.flush();
    }

    /** The table: one row per operator with samples, percentiles in µs or ms. */
    private void print(String title, Map<String, Histogram> histograms) {
        out.printf("%s (sampled records; own time per operator, end-to-end at ms resolution):%n", title);
        out.printf(Locale.ROOT, "  %-36s %9s %10s %10s %10s %10s %10s %10s%n", "operator", "samples", "p50", "p90",
                "p99", "p99.9", "p99.99", "max");
        for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
            Histogram h = e.getValue();
            if (h.getTotalCount() == 0) {
                continue;
            }
            out.printf(Locale.ROOT, "  %-36s %9d %10s %10s %10s %10s %10s %10s%n", e.getKey(), h.getTotalCount(),
                    LatencyReport.micros(h.getValueAtPercentile(50)), LatencyReport.micros(h.getValueAtPercentile(90)),
                    LatencyReport.micros(h.getValueAtPercentile(99)),
                    LatencyReport.micros(h.getValueAtPercentile(99.9)),
                    LatencyReport.micros(h.getValueAtPercentile(99.99)), LatencyReport.micros(h.getMaxValue()));
        }
        out.flush();
    }

    /** An operator's name as a file name. */
    static String fileName(String operator) {
        return operator.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
