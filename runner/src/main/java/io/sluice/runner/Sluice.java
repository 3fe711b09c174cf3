package io.sluice.runner;

import io.sluice.broker.SluiceException;
import io.sluice.runner.perf.PerfCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command line. Exit codes: 0 success, 1 failure while running, 2 bad usage. Results go to
 * stdout; errors, and the broker's warnings, to stderr.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Sluice.Version.class,
        description = "sluice: an event streaming platform and stream-processing framework for Java.",
        subcommands = {DemoCommand.class, PerfCommand.class, CommandLine.HelpCommand.class})
public final class Sluice implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @CommandLine.Option(names = {"-v", "--verbose"}, description = "Log broker activity (info level) to stderr.",
            scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 2;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; for tests and embedding. */
    public static int run(String... args) {
        for (String arg : args) {
            if (arg.equals("-v") || arg.equals("--verbose")) {
                // Must be set before the first logger is created.
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            }
        }
        CommandLine commandLine = new CommandLine(new Sluice());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = e instanceof SluiceException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException ? e.getMessage() : e.toString();
            cmd.getErr().println("error: " + message);
            if (parsed.hasMatchedOption("--verbose")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine.execute(args);
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Sluice.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version == null ? "development build" : version)};
        }
    }
}
