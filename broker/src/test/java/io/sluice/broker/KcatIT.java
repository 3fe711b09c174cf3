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
            }
            kcat("k1:hello\nk2:world\n", "-b", b, "-t", "kt", "-P", "-K:");
            kcat("k3:zipped\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "gzip");
            kcat("k4:snappy\n", "-b", b, "-t", "kt", "-P", "-K:", "-z", "snappy");
            assertThat(kcat("", "-b", b, "-t", "kt", "-C", "-e", "-f", "%k=%s\\n").lines())
                    .containsExactlyInAnyOrder("k1=hello", "k2=world", "k3=zipped", "k4=snappy");
            assertThat(kcat("", "-b", b, "-G", "kgroup", "kt", "-e", "-f", "%k=%s\\n", "-X",
                    "auto.offset.reset=earliest").lines()).hasSize(4);
            try (Admin admin = broker.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets("kgroup");
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(4);
            }
        }
    }
}
