package io.sluice.runner.perf;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice perf …}: benchmarks whose figures go to docs/PERFORMANCE.md. */
@Command(name = "perf", mixinStandardHelpOptions = true,
        description = "Benchmarks of the embedded broker and of stream jobs: throughput and latency percentiles.",
        subcommands = {ProducePerf.class, ConsumePerf.class, E2ePerf.class, JobPerf.class, ConnectPerf.class})
public final class PerfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 2;
    }

    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
