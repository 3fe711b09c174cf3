package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafkajs (Node.js; only the older, non-flexible protocol versions) against the broker's listener: it creates a
 * topic, produces keyed records with headers — gzip-compressed and not, idempotent — and reads them back in a
 * consumer group that commits. src/test/kafkajs holds the script and its lock file; .ci/run installs kafkajs with
 * {@code npm ci} and sets SLUICE_REQUIRE_KAFKAJS so that CI cannot skip this.
 */
@Timeout(120)
class KafkajsIT {
    private static final Path SCRIPT_DIR = Path.of("src/test/kafkajs");

    @TempDir
    Path dir;

    @Test
    void shouldServeKafkajs() throws Exception {
        boolean installed = Files.isDirectory(SCRIPT_DIR.resolve("node_modules/kafkajs"));
        if (System.getenv("SLUICE_REQUIRE_KAFKAJS") == null) {
            Assumptions.assumeTrue(installed, "kafkajs is not installed (.ci/run installs it: npm ci in "
                    + SCRIPT_DIR + ")");
        }
        try (Broker broker = Broker.start(BrokerConfig.builder(dir.resolve("data"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build())) {
            Process node = new ProcessBuilder("node", "roundtrip.js", broker.bootstrapServers().orElseThrow(),
                    "from-node", "node-readers", "40").directory(SCRIPT_DIR.toFile())
                    .redirectError(dir.resolve("node.err").toFile()).start();
            String out = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(node.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).as(Files.readString(dir.resolve("node.err"))).isZero();

            ObjectMapper json = new ObjectMapper();
            List<String> read = new ArrayList<>();
            for (String line : out.lines().toList()) {
                JsonNode r = json.readTree(line);
                read.add(r.get("key").asText() + "=" + r.get("value").asText() + "#" + r.get("n").asText());
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                expected.add("key-" + (i % 7) + "=value-" + i + "#" + i);
            }
            assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
            try (Admin admin = broker.admin()) {
                assertThat(admin.describeTopic("from-node").partitions()).hasSize(3);
                assertThat(admin.listGroupOffsets("node-readers").values().stream()
                        .mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(40);
            }
        }
    }
}
