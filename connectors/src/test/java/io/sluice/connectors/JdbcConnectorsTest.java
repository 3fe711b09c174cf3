package io.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC source and sink against a real PostgreSQL: {@code SLUICE_POSTGRES_URL} names it (a JDBC URL with user
 * and password); .ci/run installs and starts one on loopback and sets SLUICE_REQUIRE_POSTGRES, so CI cannot skip.
 */
@Timeout(60)
class JdbcConnectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String URL = System.getenv("SLUICE_POSTGRES_URL");

    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() {
        if (System.getenv("SLUICE_REQUIRE_POSTGRES") == null) {
            Assumptions.assumeTrue(URL != null, "no PostgreSQL: set SLUICE_POSTGRES_URL (.ci/run does)");
        }
        broker = Broker.start(dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    @Test
    void shouldReadNewRowsAndGoOnFromTheLastOneAfterARestart() throws Exception {
        sql("DROP TABLE IF EXISTS src_orders", "CREATE TABLE src_orders (id SERIAL PRIMARY KEY, item TEXT, qty INT)",
                "INSERT INTO src_orders (item, qty) VALUES ('tea', 1), ('cake', 2), ('jam', 3)");
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("pg-orders", 1));
        }
        Map<String, String> source = Map.of("name", "orders-from-pg", "connector.class", "JdbcSourceConnector",
                "connection.url", URL, "table", "src_orders", "topic", "pg-orders", "key.column", "id",
                "poll.interval.ms", "50", "offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(source))) {
            awaitRecords("pg-orders", 3);
            sql("INSERT INTO src_orders (item, qty) VALUES ('bread', 4), ('milk', 5)");
            awaitRecords("pg-orders", 5);
            assertThat(connect.failures()).isEmpty();
        }
        sql("INSERT INTO src_orders (item, qty) VALUES ('eggs', 6)");
        try (Connect connect = Connect.start(broker, List.of(source))) {
            awaitRecords("pg-orders", 6);
            Thread.sleep(200); // nothing read twice may follow
        }
        List<ConsumerRecord> records = records("pg-orders");
        assertThat(records).hasSize(6);
        for (int i = 0; i < 6; i++) {
            JsonNode row = JSON.readTree(records.get(i).value());
            assertThat(row.get("id").asInt()).isEqualTo(i + 1);
            assertThat(row.get("qty").asInt()).isEqualTo(i + 1);
            assertThat(records.get(i).keyAsString()).isEqualTo(Integer.toString(i + 1));
        }
        assertThat(JSON.readTree(records.get(5).value()).get("item").asText()).isEqualTo("eggs");
    }

    @Test
    void shouldReadUpdatedRowsAgainInTimestampMode() throws Exception {
        sql("DROP TABLE IF EXISTS src_stock", "CREATE TABLE src_stock (id SERIAL PRIMARY KEY, sku TEXT, level INT, "
                + "updated_at TIMESTAMP NOT NULL DEFAULT now())",
                "INSERT INTO src_stock (sku, level) VALUES ('a', 10), ('b', 20)");
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("pg-stock", 1));
        }
        Map<String, String> source = Map.of("name", "stock-from-pg", "connector.class", "JdbcSourceConnector",
                "connection.url", URL, "table", "src_stock", "topic", "pg-stock", "mode", "timestamp",
                "timestamp.column.name", "updated_at", "poll.interval.ms", "50", "timestamp.delay.interval.ms", "100");
        try (Connect connect = Connect.start(broker, List.of(source))) {
            awaitRecords("pg-stock", 2);
            sql("UPDATE src_stock SET level = 7, updated_at = now() + interval '5 seconds' WHERE sku = 'a'");
            Thread.sleep(500);
            assertThat(records("pg-stock")).as("not before the delay: dated 5 seconds ahead").hasSize(2);
            awaitRecords("pg-stock", 3);
        }
        JsonNode updated = JSON.readTree(records("pg-stock").get(2).value());
        assertThat(updated.get("sku").asText()).isEqualTo("a");
        assertThat(updated.get("level").asInt()).isEqualTo(7);
    }

    @Test
    void shouldUpsertRowsByKeyIntoATableItCreatesAndSetAsideWhatIsNotAnObject() throws Exception {
        sql("DROP TABLE IF EXISTS stock_levels");
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("stock", 2));
        }
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("stock", "p1", "{\"name\":\"tea\",\"level\":5,\"price\":2.5}"));
            producer.send(ProducerRecord.of("stock", "p2", "{\"name\":\"cake\",\"level\":1,\"price\":4.0}"));
            producer.send(ProducerRecord.of("stock", "p1", "{\"name\":\"tea\",\"level\":3,\"price\":2.5}"));
            producer.send(ProducerRecord.of("stock", "p3", "not json"));
            producer.flush();
        }
        Map<String, String> sink = new HashMap<>(Map.of("name", "stock-to-pg", "connector.class",
                "JdbcSinkConnector", "connection.url", URL, "topics", "stock", "table", "stock_levels",
                "insert.mode", "upsert", "pk.fields", "sku", "auto.create", "true",
                "errors.deadletterqueue.topic.name", "stock-rejected"));
        sink.put("offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!rows("SELECT sku, level FROM stock_levels ORDER BY sku").equals(List.of("p1=3", "p2=1"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            awaitRecords("stock-rejected", 1);
            assertThat(connect.failures()).isEmpty();
        }
        assertThat(rows("SELECT sku, level FROM stock_levels ORDER BY sku")).containsExactly("p1=3", "p2=1");
        assertThat(records("stock-rejected")).extracting(ConsumerRecord::valueAsString).containsExactly("not json");
    }

    @Test
    void shouldSetAsideOnlyTheRowsTheTableRefusesAndUpsertAKeyTwiceInOneBatch() throws Exception {
        sql("DROP TABLE IF EXISTS prices", "CREATE TABLE prices (sku TEXT PRIMARY KEY, cents INT NOT NULL)");
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("prices", 1));
        }
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("prices", "a", "{\"cents\":100}"));
            producer.send(ProducerRecord.of("prices", "b", "{\"cents\":\"not a number\"}")); // refused by INT
            producer.send(ProducerRecord.of("prices", "a", "{\"cents\":120}")); // the same key, same batch
            producer.send(ProducerRecord.of("prices", "c", "{\"cents\":300}"));
            producer.flush();
        }
        Map<String, String> sink = new HashMap<>(Map.of("name", "prices-to-pg", "connector.class",
                "JdbcSinkConnector", "connection.url", URL, "topics", "prices", "table", "prices",
                "insert.mode", "upsert", "pk.fields", "sku", "errors.deadletterqueue.topic.name", "prices-rejected",
                "offset.flush.interval.ms", "50"));
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            awaitRecords("prices-rejected", 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rows("SELECT sku, cents FROM prices ORDER BY sku").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(connect.failures()).isEmpty();
        }
        assertThat(rows("SELECT sku, cents FROM prices ORDER BY sku")).containsExactly("a=120", "c=300");
        assertThat(records("prices-rejected")).extracting(ConsumerRecord::keyAsString).containsExactly("b");
    }

    private static List<String> rows(String query) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery(query)) {
                while (r.next()) {
                    rows.add(r.getString(1) + "=" + r.getString(2));
                }
            }
        } catch (java.sql.SQLException missingTable) {
            return List.of();
        }
        return rows;
    }

    private void awaitRecords(String topic, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (records(topic).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + count + " records in " + topic);
            }
            Thread.sleep(50);
        }
    }

    private List<ConsumerRecord> records(String topic) {
        List<ConsumerRecord> all = new ArrayList<>();
        try (Consumer consumer = broker.consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                all.addAll(consumer.poll(Duration.ofMillis(100)));
            }
        } catch (io.sluice.broker.UnknownTopicException notYet) {
            return List.of();
        }
        return all;
    }
}
