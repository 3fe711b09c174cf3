package io.sluice.connectors.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SinkConnector;
import io.sluice.connectors.SinkContext;
import io.sluice.connectors.SinkTask;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * POSTs its topics' records to a URL, {@code batch.size} at a time, as a JSON array of their values (a value that
 * is JSON as itself, any other as a string). A 2xx answer delivers them; a 400, 413 or 422 means the target will
 * never take them, so each goes to the dead-letter topic; any other answer, or none within
 * {@code timeout.ms}, is a passing failure: the same records are sent again, waiting longer each time. Keys:
 * {@code url}, {@code batch.size}, {@code timeout.ms}.
 */
public final class HttpSinkConnector implements SinkConnector {
    static final String URL = "url";
    static final String BATCH_SIZE = "batch.size";
    static final String TIMEOUT_MS = "timeout.ms";

    @Override
    public ConfigDefinition config() {
        return new ConfigDefinition("HTTP sink connector")
                .define(URL, ConfigDefinition.Type.STRING, null, value -> {
                    String url = (String) value;
                    return url.startsWith("http://") || url.startsWith("https://") ? null : "must be an http(s) URL";
                }, "", "where records are POSTed")
                .define(BATCH_SIZE, ConfigDefinition.Type.INT, 100, ConfigDefinition.Check.atLeast(1), "",
                        "records per request")
                .define(TIMEOUT_MS, ConfigDefinition.Type.LONG, 10_000L, ConfigDefinition.Check.atLeast(1), "ms",
                        "how long a request may take");
    }

    @Override
    public Supplier<SinkTask> task() {
        return HttpSinkTask::new;
    }

    private static final class HttpSinkTask implements SinkTask {
        private static final ObjectMapper JSON = new ObjectMapper();
        /** The target will never take these records; a 404 or a 5xx may pass (a route mid-deploy). */
        private static final java.util.Set<Integer> REJECTED = java.util.Set.of(400, 413, 422);

        private HttpClient client;
        private URI url;
        private int batchSize;
        private Duration timeout;
        private SinkContext context;

        @Override
        public void start(Map<String, String> config, SinkContext sinkContext) {
            context = sinkContext;
            url = URI.create(config.get(URL));
            batchSize = Integer.parseInt(config.getOrDefault(BATCH_SIZE, "100"));
            timeout = Duration.ofMillis(Long.parseLong(config.getOrDefault(TIMEOUT_MS, "10000")));
            client = HttpClient.newBuilder().connectTimeout(timeout).build();
        }

        @Override
        public void put(List<ConsumerRecord> records) throws IOException, InterruptedException {
            for (int from = 0; from < records.size(); from += batchSize) {
                List<ConsumerRecord> batch = records.subList(from, Math.min(records.size(), from + batchSize));
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(url).timeout(timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body(batch))).build(),
                        HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (REJECTED.contains(status)) {
                    for (ConsumerRecord r : batch) {
                        context.reject(r, new IOException("HTTP " + status + " from " + url + ": "
                                + response.body()));
                    }
                } else if (status / 100 != 2) {
                    // A passing failure: the runtime tries the whole put again. What was sent before it may be
                    // sent twice (at-least-once).
                    throw new IOException("HTTP " + status + " from " + url + ": " + response.body());
                }
            }
        }

        private static byte[] body(List<ConsumerRecord> batch) throws IOException {
            ArrayNode array = JSON.createArrayNode();
            for (ConsumerRecord r : batch) {
                if (r.value() == null) {
                    array.addNull();
                    continue;
                }
                JsonNode value;
                try {
                    value = JSON.readTree(r.value());
                } catch (IOException notJson) {
                    value = null;
                }
                if (value == null || value.isMissingNode()) {
                    array.add(r.valueAsString());
                } else {
                    array.add(value);
                }
            }
            return JSON.writeValueAsBytes(array);
        }

        @Override
        public void flush() {
            // Every put waits for its answers: nothing is left to flush.
        }

        @Override
        public void stop() {
        }
    }
}
