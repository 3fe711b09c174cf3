package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * librdkafka against the broker's listener, through kcat: produce (compressed too), consume, a consumer group. kcat
 * comes from Debian's packages; .ci/run installs it and sets SLUICE_REQUIRE_KCAT so that CI cannot skip this.
 */
@Timeout(120)
class KcatIT {
    @TempDir
    Path dir;

    private static boolean kcatInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "kcat"))) {
                return true;
            }
        }
        return false;
    }

    private String kcat(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kcat"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectError(dir.resolve("kcat.err").toFile()).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("kcat.err"))).isZero();
        return out;
    }

    @Test
    void shouldServeLibrdkafka() throws Exception {
        if (System.getenv("SLUICE_REQUIRE_KCAT") == null) {
            Assumptions.assumeTrue(kcatInstalled(), "kcat is not installed (.ci/run installs it)");
        }
        try (Broker broker = Broker.start(BrokerConfig.builder(dir.resolve("data"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build())) {
            String b = broker.bootstrapServers().orElseThrow();
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("kt", 2));
                admin.createTopic(NewTopic.of("kz", 1));
            }
            kcat("k1:hello\nk2:world\n", "-b", b, "-t", "kt", "-P", "-K:");
            kcat("k3:zipped\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "gzip");
            kcat("k4:snappy\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "snappy");
            kcat("k5:lz4\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "lz4");
            kcat("k6:zstd\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "zstd");
            assertThat(kcat("", "-b", b, "-t", "kt", "-C", "-e", "-f", "%k=%s\\n").lines())
                    .containsExactlyInAnyOrder("k1=hello", "k2=world", "k3=zipped", "k4=snappy", "k5=lz4", "k6=zstd");
            assertThat(kcat("", "-b", b, "-G", "kgroup", "kt", "-e", "-f", "%k=%s\\n", "-X",
                    "auto.offset.reset=earliest").lines()).hasSize(6);
            try (Admin admin = broker.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets("kgroup");
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(6);
            }
            // librdkafka compresses only when Produce is advertised from v0, and only what compression makes smaller.
            String compressible = "a".repeat(2000);
            for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
                kcat("k:" + compressible + "\n", "-b", b, "-t", "kz", "-P", "-K:", "-z", codec);
            }
            assertThat(kcat("", "-b", b, "-t", "kz", "-C", "-e", "-f", "%s\\n").lines())
                    .containsExactly(compressible, compressible, compressible, compressible);
            assertThat(storedCompression(dir.resolve("data"), "kz")).containsExactly("gzip", "lz4", "snappy", "zstd");
        }
    }

    /** The compression of every batch stored in the topic's segments. */
    private static java.util.Set<String> storedCompression(Path dataDir, String topic) throws Exception {
        java.util.Set<String> types = new java.util.TreeSet<>();
        try (var partitions = Files.list(dataDir)) {
            for (Path partition : partitions.filter(d -> d.getFileName().toString().startsWith(topic + "-")).toList()) {
                try (var segments = Files.list(partition)) {
                    for (Path segment : segments.filter(f -> f.toString().endsWith(".log")).toList()) {
                        try (var records = org.apache.kafka.common.record.FileRecords.open(segment.toFile())) {
                            records.batches().forEach(batch -> types.add(batch.compressionType().name));
                        }
                    }
                }
            }
        }
        return types;
    }
}
