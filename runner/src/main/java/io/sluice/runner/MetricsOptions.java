package io.sluice.runner;

import io.sluice.broker.Metric;
import io.sluice.runner.internal.MetricsEndpoint;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --metrics-port} and {@code --metrics-bind}: a Prometheus endpoint for a long-running command. */
final class MetricsOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve metrics for Prometheus at http://BIND:PORT/metrics (0: any free port, printed).")
    Integer port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address the metrics endpoint listens on (${DEFAULT-VALUE}; 0.0.0.0 for every one).")
    String bind;

    /** Fails on a port out of range, before anything starts. */
    void validate() {
        if (port != null && (port < 0 || port > 65_535)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--metrics-port must be 0 to 65535");
        }
    }

    /** The endpoint serving {@code metrics}, or null without {@code --metrics-port}. */
    MetricsEndpoint start(Supplier<List<Metric>> metrics) {
        return port == null ? null : new MetricsEndpoint(bind, port, metrics);
    }
}
