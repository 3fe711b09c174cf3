package io.sluice.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/** Edits a data directory's topics.json as a broker that recorded a change before making it would have left it. */
final class TopicsJson {
    private TopicsJson() {
    }

    static void recordPartitionCount(Path dataDir, String topic, int partitions) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path file = dataDir.resolve("topics.json");
        ObjectNode contents = (ObjectNode) json.readTree(file.toFile());
        contents.withArray("topics").forEach(t -> {
            if (t.get("name").asText().equals(topic)) {
                ((ObjectNode) t).put("partitions", partitions);
            }
        });
        json.writeValue(file.toFile(), contents);
    }
}
