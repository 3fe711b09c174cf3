package io.sluice.runner;

import io.sluice.broker.Broker;
import io.sluice.broker.Cluster;
import io.sluice.broker.Metric;
import io.sluice.broker.RemoteCluster;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.Topology;
import io.sluice.runner.internal.JobLoader;
import io.sluice.runner.internal.JobStatus;
import io.sluice.runner.internal.MetricsEndpoint;
import io.sluice.runner.internal.ProfileReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice run JOB}: runs a job class on an embedded broker until SIGINT or SIGTERM (or, with
 * {@code --stop-when-caught-up}, until it has processed its input), then commits and stops cleanly.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a stream job on the embedded broker of a data directory.",
        footer = {"", "Configuration keys: the job's (num.stream.threads, commit.interval.ms,",
                "statestore.cache.max.records, …), broker.<key> for the embedded broker (broker.log.retention.ms, …),",
                "client.<key> for Kafka's clients with --bootstrap (client.security.protocol, client.linger.ms, …)",
                "and app.<key> for the job's own settings (passed to StreamJob.topology). An unknown key is an error.",
                "", "Examples:",
                "  sluice run io.sluice.samples.WordCount --stop-when-caught-up",
                "  sluice run com.example.OrderAlerts --jar target/alerts.jar --config job.yaml -D app.threshold=500"})
final class RunCommand implements Callable<Integer> {
    private static final String APP_PREFIX = "app.";
    private static final String BROKER_PREFIX = "broker.";
    private static final String CLIENT_PREFIX = "client.";

    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOption data;
    @Parameters(paramLabel = "JOB", description = "The job class: a StreamJob, or a class with a public static "
            + "Topology topology() method.")
    String jobClass;
    @Option(names = "--jar", paramLabel = "JAR", description = "The jar holding the job class and its dependencies.")
    Path jar;
    @Mixin
    SettingsOptions settingsOptions;
    @Mixin
    MetricsOptions metricsOptions;
    @Option(names = "--stop-when-caught-up",
            description = "Stop once everything in the inputs when it started has been processed and committed (with "
                    + "--connector: once the sources have ended, the job has processed what they wrote and the "
                    + "sinks have written out what it wrote).")
    boolean stopWhenCaughtUp;
    @Option(names = "--connector", paramLabel = "CONFIG",
            description = "A connector to run beside the job, as sluice connect runs it (its config file); "
                    + "repeatable.")
    List<Path> connectorConfigs = new ArrayList<>();
    @Option(names = "--profile", paramLabel = "DIR", arity = "0..1", fallbackValue = "sluice-profile",
            description = "Profile latency per operator and end to end: a percentile table every --profile-interval "
                    + "and at the end; .hgrm files, an interval log and latency.svg in DIR (default: sluice-profile).")
    Path profileDir;
    @Option(names = "--profile-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between the profile's tables (${DEFAULT-VALUE}).")
    int profileInterval;
    @Option(names = "--profile-sample", paramLabel = "N", defaultValue = "16",
            description = "Profile one input record in N (${DEFAULT-VALUE}): the timing costs a few percent of "
                    + "throughput at 16, more at 1.")
    int profileSample;
    @Option(names = "--status-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between status lines when stderr is not a terminal (${DEFAULT-VALUE}); 0: none. "
                    + "On a terminal one status line is kept up to date.")
    int statusInterval;

    private final List<Map<String, String>> connectors = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (statusInterval < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--status-interval must not be negative");
        }
        metricsOptions.validate();
        if (profileInterval < 1 || profileSample < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--profile-interval and --profile-sample must be at least 1");
        }
        Map<String, String> config = settingsOptions.settings();
        Map<String, String> app = new LinkedHashMap<>();
        Map<String, String> brokerSettings = new LinkedHashMap<>();
        Map<String, String> clientSettings = new LinkedHashMap<>();
        Map<String, String> jobSettings = new LinkedHashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(APP_PREFIX)) {
                app.put(key.substring(APP_PREFIX.length()), value);
            } else if (key.startsWith(BROKER_PREFIX)) {
                brokerSettings.put(key.substring(BROKER_PREFIX.length()), value);
            } else if (key.startsWith(CLIENT_PREFIX)) {
                clientSettings.put(key.substring(CLIENT_PREFIX.length()), value);
            } else {
                jobSettings.put(key, value);
            }
        });
        if (profileDir != null) {
            jobSettings.putIfAbsent(JobConfig.PROFILE_SAMPLE_ONE_IN, Integer.toString(profileSample));
        }
        JobConfig jobConfig = JobConfig.from(jobSettings); // an unknown or invalid key fails here, before any start
        for (Path connector : connectorConfigs) {
            connectors.add(io.sluice.runner.internal.ConfigFile.read(connector));
        }
        Topology topology = JobLoader.topology(jobClass, jar, app);
        PrintWriter err = spec.commandLine().getErr();
        if (data.remote() && !brokerSettings.isEmpty()) {
            throw new IllegalArgumentException("broker.* settings configure an embedded broker; with --bootstrap the "
                    + "cluster is configured where it runs: " + brokerSettings.keySet());
        }
        if (!data.remote() && !clientSettings.isEmpty()) {
            throw new IllegalArgumentException("client.* settings are Kafka's client properties for a cluster reached "
                    + "with --bootstrap; an embedded broker's clients take none: " + clientSettings.keySet());
        }
        try (Cluster broker = data.remote() ? RemoteCluster.connect(data.bootstrap, clientSettings)
                : data.open(true, brokerSettings)) {
            return run(topology, jobConfig, broker, err);
        }
    }

    private int run(Topology topology, JobConfig jobConfig, Cluster broker, PrintWriter err) throws Exception {
        Set<String> inputs = new TreeSet<>(topology.sourceTopics());
        inputs.removeAll(topology.internalTopics());
        Set<String> outputs = new TreeSet<>(topology.sinkTopics());
        outputs.removeAll(topology.internalTopics());
        Job job = Job.start(topology, broker, jobConfig);
        io.sluice.connectors.Connect connect;
        try {
            connect = connectors.isEmpty() ? null : io.sluice.connectors.Connect.start(broker, connectors);
        } catch (RuntimeException e) {
            job.close();
            throw e;
        }
        ProfileReport profile = profileDir == null ? null
                : new ProfileReport(job.latencyProfile().orElseThrow(), profileDir, err);
        MetricsEndpoint endpoint = metricsOptions.start(() -> {
            List<Metric> all = new ArrayList<>(broker instanceof Broker b ? b.metrics() : List.of());
            all.addAll(job.metricList());
            return all;
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onSignal = new Thread(() -> {
            err.printf("%nStopping job %s: committing…%n", topology.applicationId());
            err.flush();
            if (endpoint != null) {
                endpoint.close();
            }
            if (connect != null) {
                connect.close();
            }
            job.close();
            broker.close();
            if (profile != null) {
                profile.close();
            }
            err.printf("Stopped job %s cleanly%n", topology.applicationId());
            err.flush();
            stopped.countDown();
        }, "sluice-run-shutdown");
        Runtime.getRuntime().addShutdownHook(onSignal);
        err.printf("Running job %s (%s) on %s; reads %s, writes %s%n", topology.applicationId(), jobClass,
                broker instanceof Broker ? data.dataDir : data.bootstrap, String.join(", ", inputs),
                String.join(", ", outputs));
        if (endpoint != null) {
            err.printf("Metrics on %s%n", endpoint.url());
        }
        err.flush();
        boolean terminal = System.console() != null;
        try (JobStatus status = new JobStatus(job, broker, inputs, outputs)) {
            long nextStatus = System.nanoTime() + Duration.ofSeconds(terminal ? 1 : statusInterval).toNanos();
            long nextProfile = System.nanoTime() + Duration.ofSeconds(profileInterval).toNanos();
            while (true) {
                if (job.state() == Job.State.FAILED) {
                    if (connect != null) {
                        connect.close();
                    }
                    job.close();
                    throw new IllegalStateException("Job " + topology.applicationId() + " failed: "
                            + job.error().getMessage(), job.error());
                }
                if (job.state() == Job.State.STOPPED || job.state() == Job.State.STOPPING) {
                    stopped.await();
                    return 0;
                }
                if (stopWhenCaughtUp && job.state() == Job.State.RUNNING
                        && (connect == null || connect.sourcesEnded() || !connect.hasSources())
                        && job.awaitCaughtUp(Duration.ofMillis(200))
                        && (connect == null || connect.sinksCaughtUp())) {
                    break;
                }
                if (connect != null && !connect.failures().isEmpty()) {
                    connect.close();
                    job.close();
                    throw new IllegalStateException("A connector task failed: " + connect.failures());
                }
                Thread.sleep(stopWhenCaughtUp && connect == null ? 0 : 200); // awaitCaughtUp waited already
                if ((terminal || statusInterval > 0) && System.nanoTime() >= nextStatus) {
                    err.print(terminal ? "\r" + status.line() + "\033[K" : status.line() + System.lineSeparator());
                    err.flush();
                    nextStatus = System.nanoTime() + Duration.ofSeconds(terminal ? 1 : statusInterval).toNanos();
                }
                if (profile != null && System.nanoTime() >= nextProfile) {
                    err.print(terminal ? "\r\033[K" : "");
                    profile.interval();
                    nextProfile = System.nanoTime() + Duration.ofSeconds(profileInterval).toNanos();
                }
            }
            err.println((terminal ? "\r" : "") + status.line() + (terminal ? "\033[K" : ""));
        } finally {
            if (removeHook(onSignal) && endpoint != null) {
                endpoint.close();
            }
        }
        if (connect != null) {
            connect.close();
        }
        job.close();
        if (profile != null) {
            profile.close();
        }
        err.printf("Caught up: stopped job %s%n", topology.applicationId());
        return 0;
    }

    /** Whether the hook was removed: false while it runs (it closes the job and the endpoint). */
    private static boolean removeHook(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
