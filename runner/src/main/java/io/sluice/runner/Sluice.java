package io.sluice.runner;

import io.sluice.broker.SluiceException;
import io.sluice.runner.perf.PerfCommand;
import java.util.List;
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
        description = "sluice: an event streaming platform and stream-processing framework for Java.")
public final class Sluice implements Callable<Integer> {
    /** The commands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, BrokerCommand.class,
            TopicsCommand.class, ProduceCommand.class, ConsumeCommand.class, GroupsCommand.class, RunCommand.class,
            ConnectCommand.class, SamplesCommand.class, PerfCommand.class);

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
        return commandLine(args).execute(args);
    }

    /** The whole command line, every command in it. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line with its error handling: a bad argument or a failure prints one line, {@code error: …}, to
     * stderr (the stack trace too with {@code --verbose}) and exits 2 or 1.
     */
    private static CommandLine commandLine(String[] arguments) {
        CommandLine commandLine = new CommandLine(new Sluice());
        // Picocli reads every command's annotations up front (a quarter of a second for all of them): when the
        // arguments name a command, only that one is built. Help, and anything else, gets them all.
        String named = commandNamed(arguments);
        for (Class<?> command : COMMANDS) {
            if (named == null || named.equals(command.getAnnotation(Command.class).name())) {
                commandLine.addSubcommand(command);
            }
        }
        commandLine.addSubcommand(CommandLine.HelpCommand.class);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("error: " + e.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName()
                    + " --help')");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = e instanceof SluiceException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException ? e.getMessage() : e.toString();
            // One line, whatever the message: a list of problems becomes "…: - a - b".
            cmd.getErr().println("error: " + String.join(" ", message.lines().map(String::strip).toList()));
            if (verbose(parsed)) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine;
    }

    /** The command the first argument names, or null if it names none. */
    private static String commandNamed(String[] args) {
        for (String arg : args) {
            if (arg.equals("-v") || arg.equals("--verbose")) {
                continue;
            }
            for (Class<?> command : COMMANDS) {
                if (command.getAnnotation(Command.class).name().equals(arg)) {
                    return arg;
                }
            }
            return null;
        }
        return null;
    }

    /** Whether {@code --verbose} was given to the command or any subcommand (it is inherited). */
    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
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
