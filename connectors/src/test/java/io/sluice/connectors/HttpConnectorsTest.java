package io.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP source (answers once stored, 400 for bad bodies) and sink (retries, dead letters) on loopback. */
@Timeout(60)
class HttpConnectorsTest {
    @TempDir
    Path dir;
    private Broker broker;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        broker = Broker.start(dir.resolve("data"));
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("events", 1));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void shouldStoreWhatIsPostedBeforeAnsweringAndRefuseWhatIsNotJsonObjects() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Map<String, String> source = Map.of("name", "events-in", "connector.class", "HttpSourceConnector",
                "topic", "events", "http.port", Integer.toString(port), "http.path", "/events",
                "key.field", "user");
        try (Connect connect = Connect.start(broker, List.of(source))) {
            String url = "http://127.0.0.1:" + port + "/events";
            awaitListening(port); // the task opens its port on its own thread, after start returns
            HttpResponse<String> one = post(url, "{\"user\":\"ann\",\"page\":\"/\"}");
            assertThat(one.statusCode()).isEqualTo(200);
            assertThat(one.body()).isEqualTo("{\"stored\":1}");
            assertThat(records()).hasSize(1); // stored before the answer, not after
            assertThat(post(url, "[{\"user\":\"bob\",\"page\":\"/a\"},{\"user\":\"cy\",\"page\":\"/b\"}]")
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> garbage = post(url, "{\"user\": ");
            assertThat(garbage.statusCode()).isEqualTo(400);
            assertThat(garbage.body()).contains("not JSON");
            assertThat(post(url, "[{\"user\":\"dan\"}, 42]").statusCode()).isEqualTo(400);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
            assertThat(connect.failures()).isEmpty();
        }
        assertThat(records()).extracting(r -> r.keyAsString() + " " + r.valueAsString()).containsExactly(
                "ann {\"user\":\"ann\",\"page\":\"/\"}", "bob {\"user\":\"bob\",\"page\":\"/a\"}",
                "cy {\"user\":\"cy\",\"page\":\"/b\"}");
    }

    @Test
    void shouldPostRecordsRetryingWhileTheTargetFailsAndSetAsideWhatItRejects() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        AtomicInteger unavailable = new AtomicInteger(2);
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        target.createContext("/ingest", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = body.contains("poison") ? 400 : unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                    ? 503 : 200;
            if (status == 200) {
                received.add(body);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        target.start();
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("events", "k1", "{\"n\":1}"));
            producer.send(ProducerRecord.of("events", "k2", "poison"));
            producer.send(ProducerRecord.of("events", "k3", "plain text"));
            producer.flush();
        }
        Map<String, String> sink = Map.of("name", "events-out", "connector.class", "HttpSinkConnector",
                "topics", "events", "url", "http://127.0.0.1:" + target.getAddress().getPort() + "/ingest",
                "batch.size", "1", "errors.deadletterqueue.topic.name", "events-rejected",
                "offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(connect.failures()).isEmpty();
        } finally {
            target.stop(0);
        }
        assertThat(received).containsExactly("[{\"n\":1}]", "[\"plain text\"]");
        assertThat(unavailable.get()).isZero();
        try (Consumer consumer = broker.consumer()) {
            TopicPartition tp = new TopicPartition("events-rejected", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertThat(consumer.poll(Duration.ofSeconds(5))).extracting(ConsumerRecord::valueAsString)
                    .containsExactly("poison");
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<ConsumerRecord> records() {
        List<ConsumerRecord> all = new ArrayList<>();
        try (Consumer consumer = broker.consumer()) {
            TopicPartition tp = new TopicPartition("events", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                all.addAll(consumer.poll(Duration.ofMillis(100)));
            }
        }
        return all;
    }
}
