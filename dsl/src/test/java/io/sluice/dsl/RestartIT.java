package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job with a windowed count and a stream–table join runs in a child JVM that is killed with SIGKILL mid-way,
 * several times, and then runs to the end. Its window store restores from its changelog each time, its table from
 * its compacted topic.
 *
 * <p>What must hold (at-least-once): every order appears in the join output, joined with its product; every
 * window's final count is at least the number of orders in it, and more only by orders processed again after a
 * crash — those that followed the last commit. Duplicates are allowed there and nowhere else: the join output
 * holds each order at least once, and the counts overshoot by at most the orders re-read per crash.
 */
@Timeout(300)
class RestartIT {
    private static final int ORDERS = 10_000;
    private static final int KILLS = 3;

    @TempDir
    Path dir;

    @Test
    void shouldRestoreStateFromChangelogsAfterEachKill() throws Exception {
        Random random = new Random(7);
        for (int kill = 0; kill < KILLS; kill++) {
            List<String> lines = run(true, 100 + random.nextInt(700));
            assertThat(lines).as("run %d got going", kill).contains("RUNNING");
        }
        List<String> lines = run(false, 0);
        assertThat(lines).contains("DONE");

        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < ORDERS; i++) {
            long start = RestartingPipeline.timestampOf(i) / RestartingPipeline.WINDOW_MS
                    * RestartingPipeline.WINDOW_MS;
            expected.merge(RestartingPipeline.productOf(i) + "@" + start, 1L, Long::sum);
        }
        Map<String, Long> counts = new TreeMap<>();
        Map<Long, Integer> joined = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f[0].equals("COUNT")) {
                counts.put(f[1], Long.parseLong(f[2]));
            } else if (f[0].equals("JOINED")) {
                String[] orderAndName = f[2].split(":");
                long order = Long.parseLong(orderAndName[0]);
                assertThat(orderAndName[1]).isEqualTo("name-" + (order % RestartingPipeline.PRODUCTS));
                assertThat(f[1]).isEqualTo(RestartingPipeline.productOf((int) order));
                joined.merge(order, 1, Integer::sum);
            }
        }
        for (int i = 0; i < ORDERS; i++) {
            assertThat(joined).as("order %d joined", i).containsKey((long) i);
        }
        assertThat(counts.keySet()).isEqualTo(expected.keySet());
        long overshoot = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long got = counts.get(e.getKey());
            assertThat(got).as("count of %s", e.getKey()).isGreaterThanOrEqualTo(e.getValue());
            overshoot += got - e.getValue();
        }
        int duplicatesInJoin = joined.values().stream().mapToInt(n -> n - 1).sum();
        // Work redone after a crash is at most what followed the last commit (100 ms of processing) per kill.
        assertThat(overshoot).isLessThanOrEqualTo(KILLS * 2_000L);
        assertThat(duplicatesInJoin).isLessThanOrEqualTo(KILLS * 2_000);
        System.out.printf("restart test: %d orders, %d windows, count overshoot %d, join duplicates %d%n", ORDERS,
                expected.size(), overshoot, duplicatesInJoin);
    }

    private String stderr() throws IOException {
        Path err = dir.resolve("child.err");
        return java.nio.file.Files.exists(err) ? java.nio.file.Files.readString(err) : "";
    }

    /** Runs the child; with {@code kill}, SIGKILLs it {@code killAfterMs} after it started processing. */
    private List<String> run(boolean kill, int killAfterMs) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath,
                RestartingPipeline.class.getName(), dir.resolve("data").toString(), Integer.toString(ORDERS))
                .redirectError(dir.resolve("child.err").toFile())
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child died: its output ends here
            }
        });
        reader.start();
        try {
            if (kill) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!lines.contains("RUNNING") && child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                Thread.sleep(killAfterMs);
                assertThat(child.isAlive()).as("child still running when killed; its stderr: %s",
                        stderr()).isTrue();
                child.destroyForcibly();
            }
            assertThat(child.waitFor(240, TimeUnit.SECONDS)).as("child finished; its stderr: %s", stderr()).isTrue();
            reader.join(10_000);
        } finally {
            child.destroyForcibly();
        }
        return new ArrayList<>(lines);
    }
}
