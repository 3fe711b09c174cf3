package io.sluice.runner;

import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.runner.internal.DataDirectory;
import io.sluice.samples.Sample;
import io.sluice.samples.SampleRunner;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sluice samples list|run}: the sample pipelines, each on its own known input. */
@Command(name = "samples", mixinStandardHelpOptions = true,
        description = "Run the sample pipelines on their own input and show what they write.",
        subcommands = {SamplesCommand.ListSamples.class, SamplesCommand.RunSample.class})
final class SamplesCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the samples.")
    static final class ListSamples implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            for (Sample sample : Sample.all()) {
                spec.commandLine().getOut().printf("%-10s %s%n", sample.name(), sample.description());
            }
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Create a sample's topics, produce its input, run it until it has caught up, print its "
                    + "output topics.")
    static final class RunSample implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "SAMPLE", description = "A sample's name (see 'sluice samples list').")
        String name;
        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Data directory to keep; default: a temporary one, removed afterwards.")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            Sample sample = Sample.all().stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("Unknown sample: " + name + " (samples: "
                            + Sample.all().stream().map(Sample::name).collect(Collectors.joining(", ")) + ")"));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Sample %s: %s%n%n", sample.name(), sample.description());
            out.print(sample.topology(Map.of()).describe());
            out.printf("%nInput: %d records to %s%n", sample.input().size(),
                    String.join(", ", sample.input().stream().map(r -> r.topic()).distinct().toList()));
            try (DataDirectory dir = DataDirectory.of(dataDir, "sample");
                 Broker broker = Broker.start(BrokerConfig.builder(dir.path()).build())) {
                Map<String, List<ConsumerRecord>> outputs = SampleRunner.run(sample, broker, Duration.ofSeconds(60));
                outputs.forEach((topic, records) -> {
                    out.printf("%n%s (%d record%s):%n", topic, records.size(), records.size() == 1 ? "" : "s");
                    for (ConsumerRecord r : records) {
                        out.printf("  %s  %s%n", text(r.key()), text(r.value()));
                    }
                });
            }
            return 0;
        }

        private static String text(byte[] bytes) {
            return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
