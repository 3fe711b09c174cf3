package io.sluice.broker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The test's side of a {@link BrokerChild}: starts it, asks for its stats, stops it (by its PID if it must). */
final class ChildBroker implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;
    final int port;

    private ChildBroker(Process process) throws IOException {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = out.readLine();
        if (line == null || !line.startsWith("PORT ")) {
            process.destroyForcibly();
            throw new IllegalStateException("The child broker did not start: " + line);
        }
        this.port = Integer.parseInt(line.substring(5).trim());
    }

    /** A broker on 127.0.0.1 in a JVM of {@code heap} ({@code -Xmx}) that exits on an OutOfMemoryError. */
    static ChildBroker start(Path dir, String heap, Path log, String... keys) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                BrokerChild.class.getName(), dir.toString(), "listeners=PLAINTEXT://127.0.0.1:0"));
        command.addAll(List.of(keys));
        return new ChildBroker(new ProcessBuilder(command).redirectError(log.toFile()).start());
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Heap after a full GC, open descriptors and sockets, and connections served. */
    Map<String, Long> stats() throws IOException {
        in.println("stats");
        String line = out.readLine();
        if (line == null) {
            throw new IllegalStateException("The child broker is gone: exit " + exitValue());
        }
        Map<String, Long> stats = new HashMap<>();
        for (String field : line.substring("STATS ".length()).split(" ")) {
            int eq = field.indexOf('=');
            stats.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
        }
        return stats;
    }

    private String exitValue() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "(still running)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            in.println("stop");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
