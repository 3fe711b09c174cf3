package io.sluice.broker;

import static io.sluice.broker.internal.ingest.RawBatch.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.internal.ingest.RawBatch;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches with a valid CRC-32C that lie inside, sent as a hostile client would: each is refused with Kafka's error
 * for it, nothing of it is stored, consumers read on as before, and the broker goes on serving.
 */
@Timeout(60)
class MalformedProduceTest {
    private static final short VERSION = 9;

    @TempDir
    Path dir;
    private Broker broker;
    private int port;

    @BeforeEach
    void start() {
        broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .build());
        String bootstrap = broker.bootstrapServers().orElseThrow();
        port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("orders", 1));
            admin.createTopic(new NewTopic("latest", 1, Map.of("cleanup.policy", "compact")));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One produce of {@code batch} to partition 0 of {@code topic} on its own connection; its partition's answer. */
    private PartitionProduceResponse produce(String topic, ByteBuffer batch) throws Exception {
        var data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5_000);
        var topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(batch == null ? null : MemoryRecords.readableRecords(batch)));
        data.topicData().add(topicData);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            var response = (ProduceResponse) KafkaWire.exchange(socket, ApiKeys.PRODUCE, VERSION, data);
            return response.data().responses().iterator().next().partitionResponses().get(0);
        }
    }

    private long logEnd(String topic) {
        try (Consumer consumer = broker.consumer()) {
            return consumer.endOffsets(List.of(new TopicPartition(topic, 0))).get(new TopicPartition(topic, 0));
        }
    }

    private KafkaProducer<String, String> kafkaProducer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers().orElseThrow());
        p.put("delivery.timeout.ms", "10000");
        p.put("request.timeout.ms", "5000");
        p.put("retries", "0");
        p.put("enable.idempotence", "false");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Kafka's consumer reads the topic from its start to its end: the values, or the first exception. */
    private List<String> kafkaConsumerReads(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers().orElseThrow());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }

    /** The broker still takes Kafka's producer's records and gives them to Kafka's consumer. */
    private void assertStillServes(String topic, long endBefore) throws Exception {
        try (KafkaProducer<String, String> producer = kafkaProducer()) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k", "after"))
                    .get(10, TimeUnit.SECONDS);
        }
        assertThat(logEnd(topic)).isEqualTo(endBefore + 1);
        assertThat(kafkaConsumerReads(topic)).endsWith("after");
    }

    @Test
    void shouldRefuseAOneRecordBatchClaimingTwoBillionRecordsAndStayUp() throws Exception {
        for (int claimed : new int[] {Integer.MAX_VALUE, 100_000_000}) {
            RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("v")));
            batch.count = claimed;
            batch.lastOffsetDelta = claimed - 1;
            ByteBuffer bytes = batch.bytes();
            assertThat(bytes.remaining()).isLessThan(110);
            PartitionProduceResponse response = produce("orders", bytes);
            assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
            assertThat(response.errorMessage()).contains("claims " + claimed + " records");
        }
        assertThat(logEnd("orders")).isZero();
        assertStillServes("orders", 0);
    }

    @Test
    void shouldStoreNothingOfCrcValidButMalformedBatchesSoThatConsumersReadOn() throws Exception {
        produce("orders", RawBatch.of(record(0, 0, bytes("k"), bytes("before"))).bytes());
        RawBatch claimsTwo = RawBatch.of(record(0, 0, bytes("k"), bytes("one of two, they say")));
        claimsTwo.count = 2;
        claimsTwo.lastOffsetDelta = 1;
        RawBatch flaggedGzip = RawBatch.of(record(0, 0, bytes("k"), bytes("plain bytes")));
        flaggedGzip.attributes = CompressionType.GZIP.id;
        RawBatch claimsAMillion = RawBatch.of(record(0, 0, bytes("k"), bytes("a million of me")));
        claimsAMillion.count = 1_000_000;
        claimsAMillion.lastOffsetDelta = 999_999;
        RawBatch offsetJump = RawBatch.of(record(0, 999_999, bytes("k"), bytes("at a million")));
        for (RawBatch bad : List.of(claimsTwo, flaggedGzip, claimsAMillion, offsetJump)) {
            PartitionProduceResponse response = produce("orders", bad.bytes());
            assertThat(Errors.forCode(response.errorCode())).isIn(Errors.INVALID_RECORD, Errors.CORRUPT_MESSAGE);
            assertThat(response.errorMessage()).startsWith("Invalid record batch: ").contains("orders-0");
        }
        assertThat(logEnd("orders")).isEqualTo(1);
        assertThat(kafkaConsumerReads("orders")).containsExactly("before");
        assertStillServes("orders", 1);
    }

    @Test
    void shouldNameTheRecordAtFaultInTheResponse() throws Exception {
        PartitionProduceResponse response = produce("latest", RawBatch.of(record(0, 0, bytes("k"), bytes("1")),
                record(0, 1, null, bytes("no key"))).bytes());
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
        assertThat(response.recordErrors()).singleElement().satisfies(e -> {
            assertThat(e.batchIndex()).isEqualTo(1);
            assertThat(e.batchIndexErrorMessage()).contains("without a key");
        });
        assertThat(logEnd("latest")).isZero();
    }

    @Test
    void shouldRefuseKeylessRecordsOnACompactedTopicAndTimestampsOutOfRangeForKafkasProducer() throws Exception {
        try (KafkaProducer<String, String> producer = kafkaProducer()) {
            assertThatThrownBy(() -> producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("latest",
                    null, "no key")).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidRecordException.class);
            long twoHoursAhead = System.currentTimeMillis() + 7_200_000;
            assertThatThrownBy(() -> producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("orders",
                    null, twoHoursAhead, "k", "from the future")).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTimestampException.class);
        }
        assertThat(logEnd("latest")).isZero();
        assertThat(logEnd("orders")).isZero();
    }

    @Test
    void shouldAnswerAProduceWithoutRecordsOrToAnInternalTopic() throws Exception {
        assertThat(Errors.forCode(produce("orders", null).errorCode())).isEqualTo(Errors.INVALID_RECORD);
        assertThat(Errors.forCode(produce("__consumer_offsets", RawBatch.of(record(0, 0, bytes("k"), bytes("v")))
                .bytes()).errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        assertStillServes("orders", 0);
    }

    @Test
    void shouldHoldEmbeddedRecordsToTheSameRules() {
        try (Producer producer = broker.producer()) {
            assertThatThrownBy(() -> producer.send(ProducerRecord.of("latest", null, bytes("no key"))).join())
                    .hasCauseInstanceOf(io.sluice.broker.InvalidRecordException.class)
                    .hasMessageContaining("without a key");
            assertThatThrownBy(() -> producer.send(ProducerRecord.of("orders", bytes("k"), bytes("v"))
                    .withTimestamp(System.currentTimeMillis() + 7_200_000)).join())
                    .hasCauseInstanceOf(io.sluice.broker.InvalidRecordException.class)
                    .hasMessageContaining("message.timestamp.after.max.ms");
        }
    }
}
