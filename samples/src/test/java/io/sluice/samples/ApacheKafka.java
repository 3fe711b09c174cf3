package io.sluice.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Apache Kafka (KRaft: broker and controller in one process) in a child JVM on loopback, run from the
 * Kafka jars on the test class path (a test dependency from Maven Central): the real thing to compare sluice with.
 * Its output goes to {@code attempt-1/kafka.log} in its directory (the number counting starts, see {@link #start}).
 */
final class ApacheKafka implements AutoCloseable {
    private final Process process;
    private final String bootstrapServers;

    private ApacheKafka(Process process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats storage in {@code dir}, starts the broker and waits until it says it has started. Its ports are found
     * free before it starts, so another process may take one meanwhile: then it starts again on others (in a new
     * subdirectory), up to three times.
     */
    static ApacheKafka start(Path dir) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Path attemptDir = Files.createDirectories(dir.resolve("attempt-" + attempt));
            try {
                return startOnce(attemptDir);
            } catch (IllegalStateException e) {
                if (attempt == 3 || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static ApacheKafka startOnce(Path dir) throws IOException, InterruptedException {
        int port = freePort();
        int controllerPort = freePort();
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "inter.broker.listener.name=PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                // Sample inputs carry fixed timestamps, in the past (time retention would delete them mid-test) or,
                // on some days, hours ahead (Kafka 4 refuses more than one hour ahead by default).
                "log.retention.ms=-1",
                "log.message.timestamp.after.max.ms=" + Long.MAX_VALUE,
                ""));
        Path log = dir.resolve("kafka.log");
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        Process format = java(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()),
                dir.resolve("format.log"));
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("Formatting Kafka storage failed: " + Files.readString(
                    dir.resolve("format.log")));
        }
        Process kafka = java(List.of("kafka.Kafka", config.toString()), log);
        ApacheKafka started = new ApacheKafka(kafka, "127.0.0.1:" + port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(log) && Files.readString(log).contains("Kafka Server started") && accepts(port))) {
            if (!kafka.isAlive() || System.nanoTime() > deadline) {
                started.close();
                throw new IllegalStateException("Kafka did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return started;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process java(List<String> mainAndArgs, Path output) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path")));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
