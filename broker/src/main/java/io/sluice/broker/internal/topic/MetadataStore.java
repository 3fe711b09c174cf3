package io.sluice.broker.internal.topic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.broker.StorageException;
import io.sluice.broker.internal.log.LogFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The broker's topic metadata, one JSON file in the data directory rewritten atomically on every change:
 *
 * <pre>{@code
 * {"version":1,"clusterId":"…","topics":[{"name":"orders","id":"…","partitions":6,"internal":false,
 *   "configs":{"retention.ms":"60000"}}]}
 * }</pre>
 */
final class MetadataStore {
    static final String FILE_NAME = "topics.json";
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record TopicRecord(String name, String id, int partitions, boolean internal, Map<String, String> configs) {
    }

    record Contents(int version, String clusterId, List<TopicRecord> topics) {
    }

    private final Path file;

    MetadataStore(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    /** The stored metadata, or null if the data directory is new. */
    Contents read() {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            Contents contents = JSON.readValue(file.toFile(), Contents.class);
            if (contents.version() != VERSION) {
                throw new StorageException("Unsupported metadata version: file=" + file + ", version="
                        + contents.version());
            }
            return contents;
        } catch (IOException e) {
            throw new StorageException("Cannot read topic metadata: file=" + file + ", reason=" + e.getMessage(), e);
        }
    }

    void write(String clusterId, List<TopicRecord> topics) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(new Contents(VERSION, clusterId, topics));
            LogFiles.writeAtomically(file, bytes);
        } catch (IOException e) {
            throw new StorageException("Cannot write topic metadata: file=" + file, e);
        }
    }
}
