package io.sluice.runner.perf;

import io.sluice.broker.BrokerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the benchmarks that start an embedded broker. */
final class BrokerOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory; default: a temporary directory removed afterwards.")
    Path dataDir;

    @Option(names = "--journal-threads", paramLabel = "N",
            description = "Ingest rings / journal threads (broker default: half the cores, 1 to 4).")
    Integer journalThreads;

    @Option(names = "--wait-strategy", paramLabel = "NAME",
            description = "How idle journal threads wait: parking (default), phased, blocking, sleeping, yielding, "
                    + "busy-spin.")
    String waitStrategy;

    @Option(names = "--ring-size", paramLabel = "SLOTS",
            description = "Slots per ingest ring, a power of two (broker default: 8192).")
    Integer ringSize;

    BrokerConfig config(Path dir) {
        BrokerConfig.Builder builder = BrokerConfig.builder(dir).set(BrokerConfig.LOG_CLEANER_ENABLE, false);
        if (journalThreads != null) {
            builder.set(BrokerConfig.JOURNAL_THREADS, journalThreads);
        }
        if (ringSize != null) {
            builder.set(BrokerConfig.JOURNAL_RING_SIZE, ringSize);
        }
        if (waitStrategy != null) {
            builder.set(BrokerConfig.JOURNAL_WAIT_STRATEGY, waitStrategy);
        }
        return builder.build();
    }
}
