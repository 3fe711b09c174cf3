package io.sluice.connectors.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SourceConnector;
import io.sluice.connectors.SourceContext;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Takes events POSTed as JSON — one object, or an array of them — each becoming a record (the object, compact, as
 * the value; {@code key.field}'s value as the key). It answers 200 with {@code {"stored": n}} once the broker has
 * every one of them, 400 with the reason for a body that is not JSON objects (nothing of it is stored), 503 if they
 * could not be stored in time. Keys: {@code topic}, {@code http.host} (127.0.0.1), {@code http.port},
 * {@code http.path} (/), {@code key.field}. One task.
 */
public final class HttpSourceConnector implements SourceConnector {
    static final String TOPIC = "topic";
    static final String HOST = "http.host";
    static final String PORT = "http.port";
    static final String PATH = "http.path";
    static final String KEY_FIELD = "key.field";

    @Override
    public ConfigDefinition config() {
        return new ConfigDefinition("HTTP source connector")
                .define(TOPIC, ConfigDefinition.Type.STRING, null, "", "the topic events go to")
                .define(HOST, ConfigDefinition.Type.STRING, "127.0.0.1", "", "the address to listen on")
                .define(PORT, ConfigDefinition.Type.INT, null, ConfigDefinition.Check.between(1, 65535), "",
                        "the port to listen on")
                .define(PATH, ConfigDefinition.Type.STRING, "/", "", "the path events are POSTed to")
                .define(KEY_FIELD, ConfigDefinition.Type.STRING, "", "",
                        "a field whose value becomes the record's key; empty: no key");
    }


    @Override
    public Supplier<SourceTask> task() {
        return HttpSourceTask::new;
    }

    private static final class HttpSourceTask implements SourceTask {
        private static final ObjectMapper JSON = new ObjectMapper();

        /** A request's records, and what its client waits for. */
        private static final class Request {
            final CountDownLatch stored;
            final AtomicReference<Exception> failure = new AtomicReference<>();

            Request(int records) {
                stored = new CountDownLatch(records);
            }
        }

        private final BlockingQueue<SourceRecord> queue = new ArrayBlockingQueue<>(100_000);
        /** By identity: the runtime hands back the very records poll returned. */
        private final Map<SourceRecord, Request> requests =
                java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
        private HttpServer server;
        private java.util.concurrent.ExecutorService handlers;
        private String topic;
        private String keyField;

        @Override
        public void start(Map<String, String> config, SourceContext context) throws IOException {
            topic = config.get(TOPIC);
            keyField = config.getOrDefault(KEY_FIELD, "");
            String path = config.getOrDefault(PATH, "/");
            server = HttpServer.create(new InetSocketAddress(config.getOrDefault(HOST, "127.0.0.1"),
                    Integer.parseInt(config.get(PORT))), 64);
            server.createContext(path, this::handle);
            handlers = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "connect-http-source");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(handlers);
            server.start();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                if (!exchange.getRequestMethod().equals("POST")) {
                    answer(exchange, 405, "{\"error\":\"POST events as JSON\"}");
                    return;
                }
                List<SourceRecord> records;
                try {
                    records = parse(exchange.getRequestBody().readAllBytes());
                } catch (IllegalArgumentException | IOException e) {
                    answer(exchange, 400, JSON.createObjectNode().put("error", e.getMessage()).toString());
                    return;
                }
                Request request = new Request(records.size());
                for (SourceRecord r : records) {
                    requests.put(r, request);
                    if (!queue.offer(r, 10, TimeUnit.SECONDS)) {
                        records.forEach(requests::remove); // those queued are stored all the same: at least once
                        answer(exchange, 503, "{\"error\":\"too many events waiting; try again\"}");
                        return;
                    }
                }
                if (!request.stored.await(30, TimeUnit.SECONDS) || request.failure.get() != null) {
                    answer(exchange, 503, JSON.createObjectNode().put("error", "not stored: "
                            + request.failure.get()).toString());
                    return;
                }
                answer(exchange, 200, "{\"stored\":" + records.size() + "}");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The body's events as records; throws for anything but a JSON object or an array of them. */
        private List<SourceRecord> parse(byte[] body) throws IOException {
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (root == null || !(root.isObject() || root.isArray())) {
                throw new IllegalArgumentException("expected a JSON object or an array of objects");
            }
            List<SourceRecord> records = new ArrayList<>();
            for (JsonNode event : root.isArray() ? root : List.of(root)) {
                if (!event.isObject()) {
                    throw new IllegalArgumentException("expected JSON objects, found: " + event.getNodeType());
                }
                JsonNode key = keyField.isEmpty() ? null : event.get(keyField);
                records.add(new SourceRecord(Map.of(), Map.of(), topic,
                        key == null || key.isNull() ? null : key.asText().getBytes(StandardCharsets.UTF_8),
                        JSON.writeValueAsBytes(event), List.of(), SourceRecord.NO_TIMESTAMP));
            }
            return records;
        }

        private static void answer(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            List<SourceRecord> records = new ArrayList<>();
            SourceRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
            if (first != null) {
                records.add(first);
                queue.drainTo(records, 10_000);
            }
            return records;
        }

        @Override
        public void acknowledged(SourceRecord record) {
            Request request = requests.remove(record);
            if (request != null) {
                request.stored.countDown();
            }
        }

        @Override
        public void failed(SourceRecord record, Exception error) {
            Request request = requests.remove(record);
            if (request != null) {
                request.failure.compareAndSet(null, error);
                request.stored.countDown();
            }
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(1);
            }
            if (handlers != null) {
                handlers.shutdownNow(); // requests still waiting for their records are answered by closing
            }
        }
    }
}
