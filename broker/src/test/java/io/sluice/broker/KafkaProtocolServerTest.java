package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka-protocol listener: Kafka's own AdminClient against it, and bytes no client should send. */
@Timeout(60)
class KafkaProtocolServerTest {
    @TempDir
    Path dir;
    private Broker broker;
    private String bootstrap;

    @BeforeEach
    void start() {
        // Three network threads: a client's connections land on different ones, and a group's answers cross them.
        broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .set(BrokerConfig.SOCKET_REQUEST_MAX_BYTES, 1_048_576).set(BrokerConfig.NUM_NETWORK_THREADS, 3)
                .build());
        bootstrap = broker.bootstrapServers().orElseThrow();
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("orders", 3));
            admin.createTopic(NewTopic.of("payments", 1));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private AdminClient kafkaAdmin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        return AdminClient.create(p);
    }

    @Test
    void shouldListAndDescribeTopicsForKafkasAdminClient() throws Exception {
        assertThat(bootstrap).startsWith("127.0.0.1:");
        try (AdminClient admin = kafkaAdmin()) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("orders", "payments");
            Map<String, TopicDescription> described = admin.describeTopics(List.of("orders")).allTopicNames()
                    .get(10, TimeUnit.SECONDS);
            assertThat(described.get("orders").partitions()).hasSize(3)
                    .allSatisfy(p -> assertThat(p.leader().port()).isEqualTo(Integer.parseInt(
                            bootstrap.substring(bootstrap.indexOf(':') + 1))));
            assertThat(admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS)).isEqualTo(broker.clusterId());
        }
    }

    /** Writes one frame and reads one back, or returns null if the server closed the connection. */
    private static ByteBuffer exchange(Socket socket, byte[] frame) throws Exception {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.write(frame);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return ByteBuffer.wrap(response);
        } catch (EOFException | java.net.SocketException closed) {
            return null;
        }
    }

    private static byte[] request(RequestHeader header, org.apache.kafka.common.protocol.ApiMessage body,
                                  short version) {
        return KafkaWire.frame(header, body, version);
    }

    @Test
    void shouldAnswerAnApiVersionsItDoesNotKnowInTheV0LayoutWithItsRange() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            short future = 99;
            RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, future, "test", 7);
            ByteBuffer response = exchange(socket, request(header, new ApiVersionsRequestData(), (short) 3));
            assertThat(response).isNotNull();
            assertThat(ResponseHeader.parse(response, (short) 0).correlationId()).isEqualTo(7);
            ApiVersionsResponse parsed = ApiVersionsResponse.parse(new ByteBufferAccessor(response), (short) 0);
            assertThat(parsed.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(parsed.data().apiKeys().find(ApiKeys.METADATA.id)).isNotNull();
            assertThat(parsed.data().apiKeys().find(ApiKeys.PRODUCE.id).minVersion()).as("for librdkafka, as Kafka 4")
                    .isEqualTo((short) 0);
            assertThat(parsed.data().apiKeys().find(ApiKeys.DESCRIBE_ACLS.id)).as("not served").isNull();
        }
    }

    @Test
    void shouldAnswerAnApiItDoesNotServeWithAnErrorAndKeepTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            short v = 0;
            RequestHeader header = new RequestHeader(ApiKeys.SASL_HANDSHAKE, v, "test", 11);
            ByteBuffer response = exchange(socket, request(header, new org.apache.kafka.common.message
                    .SaslHandshakeRequestData().setMechanism("PLAIN"), v));
            assertThat(response).isNotNull();
            assertThat(ResponseHeader.parse(response, ApiKeys.SASL_HANDSHAKE.responseHeaderVersion(v))
                    .correlationId()).isEqualTo(11);
            var parsed = org.apache.kafka.common.requests.SaslHandshakeResponse.parse(new ByteBufferAccessor(response),
                    v);
            assertThat(parsed.error()).isEqualTo(Errors.UNSUPPORTED_VERSION);
            // The same connection still serves.
            RequestHeader versions = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", 12);
            ByteBuffer again = exchange(socket, request(versions, new ApiVersionsRequestData()
                    .setClientSoftwareName("test").setClientSoftwareVersion("1"), (short) 3));
            assertThat(again).isNotNull();
        }
    }

    @Test
    void shouldCloseOnlyTheConnectionThatSentBadBytes() throws Exception {
        byte[][] bad = {
            ByteBuffer.allocate(4).putInt(-5).array(),                          // negative size
            ByteBuffer.allocate(4).putInt(64 * 1024 * 1024).array(),            // past socket.request.max.bytes
            ByteBuffer.allocate(10).putInt(6).putShort((short) 999).putInt(1).array(), // unknown API key
            ByteBuffer.allocate(12).putInt(8).putShort((short) 3).putShort((short) 0).putInt(1).array(), // cut short
        };
        for (byte[] frame : bad) {
            try (Socket socket = new Socket("127.0.0.1", port())) {
                socket.setSoTimeout(10_000);
                assertThat(exchange(socket, frame)).as("closed").isNull();
            }
        }
        try (AdminClient admin = kafkaAdmin()) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("orders");
        }
    }

    private org.apache.kafka.clients.producer.KafkaProducer<String, String> kafkaProducer(String acks,
                                                                                      String compression) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", acks);
        p.put("compression.type", compression);
        p.put("enable.idempotence", "false"); // the default (idempotent) producer has a test of its own
        p.put("linger.ms", "5");
        p.put("delivery.timeout.ms", "20000");
        p.put("request.timeout.ms", "10000");
        return new org.apache.kafka.clients.producer.KafkaProducer<>(p,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer());
    }

    private List<ConsumerRecord> readAll(String topic, int expected) {
        try (Consumer consumer = broker.consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord> records = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.size() < expected && System.nanoTime() < deadline) {
                records.addAll(consumer.poll(java.time.Duration.ofMillis(100)));
            }
            return records;
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"1,none", "all,gzip", "1,lz4", "all,zstd", "1,snappy"})
    void shouldStoreWhatKafkasProducerSendsCompressedOrNot(String acks, String compression) throws Exception {
        List<org.apache.kafka.clients.producer.RecordMetadata> acked = new java.util.ArrayList<>();
        try (var producer = kafkaProducer(acks, compression)) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                var record = new org.apache.kafka.clients.producer.ProducerRecord<>("orders", "key-" + (i % 10),
                        "order-" + i);
                record.headers().add("n", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sent.add(producer.send(record));
            }
            for (var f : sent) {
                acked.add(f.get(20, TimeUnit.SECONDS));
            }
        }
        List<ConsumerRecord> stored = readAll("orders", 1_000);
        assertThat(stored).hasSize(1_000);
        // Every acknowledged offset holds what was sent there: same key on the same partition, order kept per key.
        Map<String, List<String>> perKey = new java.util.HashMap<>();
        for (ConsumerRecord r : stored) {
            perKey.computeIfAbsent(r.keyAsString(), k -> new java.util.ArrayList<>()).add(r.valueAsString());
        }
        assertThat(perKey.get("key-3")).hasSize(100).startsWith("order-3", "order-13", "order-23");
        assertThat(acked).allSatisfy(m -> assertThat(m.offset()).isGreaterThanOrEqualTo(0));
        assertThat(acked.stream().map(m -> m.partition() + "/" + m.offset()).distinct()).hasSize(1_000);
        assertThat(stored.get(0).headers()).singleElement().satisfies(h -> assertThat(h.key()).isEqualTo("n"));
    }

    @Test
    void shouldStoreRecordsSentWithAcksZeroWithoutAnswering() throws Exception {
        try (var producer = kafkaProducer("0", "none")) {
            for (int i = 0; i < 100; i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("payments", "p" + i, "v" + i));
            }
            producer.flush();
        }
        assertThat(readAll("payments", 100)).hasSize(100);
    }

    @Test
    void shouldRefuseUnknownTopicsAndOversizedRecordsAndKeepServing() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("small", 1).withConfig("max.message.bytes", "2048"));
        }
        try (var producer = kafkaProducer("1", "none")) {
            var tooBig = producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("small", "k",
                    "x".repeat(10_000)));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> tooBig.get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.RecordTooLargeException.class);
            assertThat(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("small", "k", "fits"))
                    .get(20, TimeUnit.SECONDS).offset()).isZero();
        }
        assertThat(readAll("small", 1)).extracting(ConsumerRecord::valueAsString).containsExactly("fits");
    }

    @Test
    void shouldRejectABatchWhoseChecksumIsWrong() throws Exception {
        org.apache.kafka.common.record.MemoryRecords records = org.apache.kafka.common.record.MemoryRecords
                .withRecords(org.apache.kafka.common.compress.Compression.NONE,
                        new org.apache.kafka.common.record.SimpleRecord("k".getBytes(), "v".getBytes()));
        ByteBuffer corrupt = records.buffer();
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x5a)); // a byte under the CRC
        var data = new org.apache.kafka.common.message.ProduceRequestData().setAcks((short) 1).setTimeoutMs(5_000);
        var topic = new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData().setName("payments");
        topic.partitionData().add(new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                .setIndex(0).setRecords(org.apache.kafka.common.record.MemoryRecords.readableRecords(corrupt)));
        data.topicData().add(topic);
        short v = 9;
        try (Socket socket = new Socket("127.0.0.1", port())) {
            ByteBuffer response = exchange(socket, request(new RequestHeader(ApiKeys.PRODUCE, v, "test", 5), data,
                    v));
            assertThat(response).isNotNull();
            ResponseHeader.parse(response, ApiKeys.PRODUCE.responseHeaderVersion(v));
            var parsed = org.apache.kafka.common.requests.ProduceResponse.parse(new ByteBufferAccessor(response), v);
            assertThat(parsed.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.CORRUPT_MESSAGE.code());
        }
        assertThat(broker.metrics().stream().filter(m -> m.name().equals("records-in")
                && m.tags().get("topic").equals("payments")).mapToDouble(Metric::value).sum()).isZero();
    }

    private org.apache.kafka.clients.consumer.KafkaConsumer<String, String> kafkaConsumer(int maxWaitMs) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("fetch.max.wait.ms", Integer.toString(maxWaitMs));
        p.put("enable.auto.commit", "false");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "10000");
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer());
    }

    @Test
    void shouldServeKafkasConsumerWhatWasWrittenEitherWay() throws Exception {
        try (var producer = kafkaProducer("all", "lz4")) {
            for (int i = 0; i < 500; i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("orders", null,
                        1_000_000L + i, "k" + (i % 7), "over-tcp-" + i));
            }
            producer.flush();
        }
        try (Producer embedded = broker.producer()) {
            for (int i = 0; i < 500; i++) {
                embedded.send(ProducerRecord.of("orders", "k" + (i % 7), "embedded-" + i)
                        .withTimestamp(2_000_000L + i));
            }
            embedded.flush();
        }
        try (var consumer = kafkaConsumer(500)) {
            List<org.apache.kafka.common.TopicPartition> partitions = List.of(0, 1, 2).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition("orders", p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> read = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < 1_000 && System.nanoTime() < deadline) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(read::add);
            }
            assertThat(read).hasSize(1_000);
            assertThat(read).filteredOn(r -> r.key().equals("k3")).extracting(r -> r.value())
                    .containsSubsequence("over-tcp-3", "over-tcp-10", "embedded-3", "embedded-10");
            assertThat(consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(1_000);
            // ListOffsets by timestamp: the first record at or after 2,000,000 ms is the first embedded one.
            var byTime = consumer.offsetsForTimes(Map.of(partitions.get(0), 2_000_000L));
            long offset = byTime.get(partitions.get(0)).offset();
            consumer.seek(partitions.get(0), offset);
            var first = consumer.poll(java.time.Duration.ofSeconds(5));
            assertThat(first.records(partitions.get(0)).get(0).value()).startsWith("embedded-");
        }
    }

    @Test
    void shouldCountWhatKafkasConsumerReadsAndTimeEveryKindOfRequest() throws Exception {
        var payments = new org.apache.kafka.common.TopicPartition("payments", 0);
        try (var producer = kafkaProducer("1", "none"); var consumer = kafkaConsumer(200)) {
            consumer.assign(List.of(payments));
            consumer.seekToBeginning(List.of(payments));
            int read = 0;
            // Rounds of sends, each read to the end: a caught-up consumer, and fetches that wait for records.
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("payments", "k", "v" + i));
                }
                producer.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (read < 100 * (round + 1) && System.nanoTime() < deadline) {
                    read += consumer.poll(java.time.Duration.ofMillis(100)).count();
                }
                assertThat(read).isEqualTo(100 * (round + 1));
            }
            // Fetches that found nothing and waited it out count nothing.
            assertThat(consumer.poll(java.time.Duration.ofMillis(500)).count()).isZero();
        }
        List<Metric> metrics = broker.metrics();
        assertThat(metrics).filteredOn(m -> m.name().equals("records-out")
                        && m.tags().equals(Map.of("topic", "payments", "partition", "0")))
                .singleElement().extracting(Metric::value).isEqualTo(300.0);
        for (String request : List.of("Produce", "Fetch", "Metadata", "ApiVersions")) {
            assertThat(metrics).filteredOn(m -> m.name().equals("requests") && m.tags().get("request").equals(request))
                    .singleElement().extracting(Metric::value).satisfies(n -> assertThat(n).isGreaterThan(0));
            List<Double> quantiles = metrics.stream().filter(m -> m.name().equals("request-time-seconds")
                    && m.tags().get("request").equals(request)).map(Metric::value).toList();
            assertThat(quantiles).hasSize(5).isSorted().allSatisfy(s -> assertThat(s).isBetween(0.0, 30.0));
            assertThat(quantiles.get(quantiles.size() - 1)).isGreaterThan(0.0);
        }
        // A fetch that waits counts its wait: the longest is about the consumer's fetch.max.wait.ms.
        assertThat(metrics).filteredOn(m -> m.name().equals("request-time-seconds")
                        && m.tags().equals(Map.of("request", "Fetch", "quantile", "1")))
                .singleElement().extracting(Metric::value).satisfies(s -> assertThat(s).isGreaterThan(0.15));
    }

    @Test
    void shouldServeOtherClientsWhileAProducerWaitsForRoomInAFullRing() throws Exception {
        broker.close();
        broker = Broker.start(BrokerConfig.builder(dir.resolve("small-ring"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").set(BrokerConfig.JOURNAL_THREADS, 1)
                .set(BrokerConfig.JOURNAL_RING_SIZE, 8).build());
        bootstrap = broker.bootstrapServers().orElseThrow();
        int partitions = 40;
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("wide", partitions));
        }
        // A send callback runs on the journal thread: holding it holds the journal, and its ring fills
        // up (8 slots) with the batches of the produce below, one per partition.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        try (Producer embedded = broker.producer(); var producer = kafkaProducer("1", "none");
             AdminClient admin = kafkaAdmin()) {
            try {
                embedded.send(ProducerRecord.of("wide", "hold", "the journal"), (metadata, error) -> {
                    held.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                        new java.util.ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    sent.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("wide", p,
                            "k" + p, "v" + p)));
                }
                // The network thread is not stuck behind that produce: another client is answered meanwhile.
                assertThat(admin.describeTopics(List.of("wide")).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get("wide").partitions()).hasSize(partitions);
                assertThat(sent).noneMatch(java.util.concurrent.Future::isDone);
                release.countDown();
                for (var f : sent) {
                    assertThat(f.get(20, TimeUnit.SECONDS).offset()).isNotNegative();
                }
            } finally {
                release.countDown();
            }
        }
        assertThat(readAll("wide", partitions + 1)).hasSize(partitions + 1);
    }

    @Test
    void shouldTellKafkasProducerTheLogAppendTimeAndOffsetOfEachRecord() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("audit", 1).withConfig("message.timestamp.type", "LogAppendTime"));
        }
        long before = System.currentTimeMillis();
        try (var producer = kafkaProducer("all", "none")) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                sent.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("audit", null, 1_000L,
                        "k", "v" + i)));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                var metadata = sent.get(i).get(10, TimeUnit.SECONDS);
                assertThat(metadata.offset()).isEqualTo(i);
                assertThat(metadata.timestamp()).isBetween(before, System.currentTimeMillis());
            }
        }
    }

    @Test
    void shouldAnswerAWaitingFetchAsSoonAsRecordsArrive() throws Exception {
        try (var consumer = kafkaConsumer(30_000)) {
            var tp = new org.apache.kafka.common.TopicPartition("payments", 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            var started = new java.util.concurrent.CompletableFuture<Long>();
            Thread later = new Thread(() -> {
                try {
                    Thread.sleep(500);
                    try (Producer embedded = broker.producer()) {
                        started.complete(System.nanoTime());
                        embedded.send(ProducerRecord.of("payments", "k", "late")).join();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            later.start();
            var records = consumer.poll(java.time.Duration.ofSeconds(60));
            long arrived = System.nanoTime();
            later.join();
            assertThat(records.count()).isEqualTo(1);
            // Soon after its send (a slow machine may take a while), not at the end of the fetch's 30 s wait.
            assertThat(TimeUnit.NANOSECONDS.toMillis(arrived - started.get())).isLessThan(10_000);
        }
    }

    /** Kafka's consumer sends one when it closes, and waits for the answer: closing took {@code fetch.max.wait.ms}. */
    @Test
    void shouldAnswerAFetchOfNoPartitionsAtOnce() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000); // far below the fetch's 60 s wait
            short v = 12;
            var fetch = new org.apache.kafka.common.message.FetchRequestData().setReplicaId(-1).setMaxWaitMs(60_000)
                    .setMinBytes(1).setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
            ByteBuffer response = exchange(socket, request(new RequestHeader(ApiKeys.FETCH, v, "test", 3), fetch, v));
            assertThat(response).isNotNull();
            assertThat(ResponseHeader.parse(response, ApiKeys.FETCH.responseHeaderVersion(v)).correlationId())
                    .isEqualTo(3);
            var parsed = org.apache.kafka.common.requests.FetchResponse.parse(new ByteBufferAccessor(response), v);
            assertThat(parsed.error()).isEqualTo(Errors.NONE);
            assertThat(parsed.data().responses()).isEmpty();
        }
    }

    @Test
    void shouldHoldAFetchUntilItsMinBytesHaveArrived() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("fetch.max.wait.ms", "10000");
        p.put("fetch.min.bytes", "2000");
        var deserializer = new org.apache.kafka.common.serialization.StringDeserializer();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, deserializer, deserializer)) {
            var tp = new org.apache.kafka.common.TopicPartition("payments", 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            Thread later = new Thread(() -> {
                try (Producer embedded = broker.producer()) {
                    Thread.sleep(200);
                    embedded.send(ProducerRecord.of("payments", "k", "alone")).join(); // far below 2,000 bytes
                    Thread.sleep(800);
                    for (int i = 0; i < 40; i++) {
                        embedded.send(ProducerRecord.of("payments", "k", "x".repeat(100)));
                    }
                    embedded.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long start = System.nanoTime();
            later.start();
            var records = consumer.poll(java.time.Duration.ofSeconds(20));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            later.join();
            // Not answered with the first record alone, nor only when the 10 s wait ran out: once 2,000 bytes were
            // there, at least 12 records (~170 bytes a record in a batch of its own, less in shared batches). How many
            // more depends on how far the journal had got with the 40 when the fetch looked.
            assertThat(records.count()).isBetween(12, 41);
            assertThat(waited).isBetween(900L, 7_000L);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {BrokerConfig.MAX_CONNECTIONS,
            BrokerConfig.MAX_CONNECTIONS_PER_IP})
    void shouldCloseConnectionsBeyondItsLimitAndServeOnceTheyGo(String limit) throws Exception {
        try (Broker limited = Broker.start(BrokerConfig.builder(dir.resolve("limited"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").set(limit, 2).build())) {
            String address = limited.bootstrapServers().orElseThrow();
            int limitedPort = Integer.parseInt(address.substring(address.indexOf(':') + 1));
            byte[] apiVersions = request(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "limits", 1),
                    new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"), (short) 3);
            try (Socket first = new Socket("127.0.0.1", limitedPort);
                 Socket second = new Socket("127.0.0.1", limitedPort)) {
                assertThat(exchange(first, apiVersions)).isNotNull();
                assertThat(exchange(second, apiVersions)).isNotNull();
                try (Socket third = new Socket("127.0.0.1", limitedPort)) {
                    third.setSoTimeout(5_000);
                    assertThat(exchange(third, apiVersions)).as("closed: one too many").isNull();
                }
            }
            ByteBuffer answered = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (answered == null && System.nanoTime() < deadline) {
                try (Socket again = new Socket("127.0.0.1", limitedPort)) {
                    again.setSoTimeout(5_000);
                    answered = exchange(again, apiVersions);
                }
            }
            assertThat(answered).as("served once the others closed").isNotNull();
        }
    }

    @Test
    void shouldCreateGrowAndDeleteTopicsForKafkasAdminClient() throws Exception {
        try (AdminClient admin = kafkaAdmin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("events", 4, (short) 1)
                    .configs(Map.of("retention.ms", "3600000")))).all().get(10, TimeUnit.SECONDS);
            try (Admin embedded = broker.admin()) {
                assertThat(embedded.describeTopic("events").partitions()).hasSize(4);
                assertThat(embedded.describeTopic("events").overrides()).containsEntry("retention.ms", "3600000");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.createTopics(List.of(
                    new org.apache.kafka.clients.admin.NewTopic("events", 1, (short) 1))).all()
                    .get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicExistsException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.createTopics(List.of(
                    new org.apache.kafka.clients.admin.NewTopic("replicated", 1, (short) 3))).all().get(10,
                    TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidReplicationFactorException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.createTopics(List.of(
                    new org.apache.kafka.clients.admin.NewTopic("badconfig", 1, (short) 1)
                            .configs(Map.of("retention.mss", "1")))).all().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class)
                    .hasMessageContaining("retention.mss");
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("dry", 2, (short) 1)),
                    new org.apache.kafka.clients.admin.CreateTopicsOptions().validateOnly(true))
                    .all().get(10, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("events")
                    .doesNotContain("dry", "replicated", "badconfig");

            admin.createPartitions(Map.of("events", org.apache.kafka.clients.admin.NewPartitions.increaseTo(6)))
                    .all().get(10, TimeUnit.SECONDS);
            assertThat(admin.describeTopics(List.of("events")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("events").partitions()).hasSize(6);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.createPartitions(Map.of("events",
                    org.apache.kafka.clients.admin.NewPartitions.increaseTo(2))).all().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidPartitionsException.class);

            admin.deleteTopics(List.of("events")).all().get(10, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain("events");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.deleteTopics(List.of("never"))
                    .all().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void shouldServeKafkasProducerWithItsDefaultsIdempotenceIncluded() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(p,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                sent.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("orders", "k" + i % 13,
                        "v" + i)));
            }
            for (var f : sent) {
                f.get(20, TimeUnit.SECONDS);
            }
        }
        assertThat(readAll("orders", 2_000)).hasSize(2_000);
    }

    /** A produce request of one idempotent batch (producer 42, epoch 0) with {@code records} starting at seq. */
    private static byte[] idempotentProduce(int correlationId, int baseSequence, String... values) {
        var simple = java.util.Arrays.stream(values).map(v -> new org.apache.kafka.common.record.SimpleRecord(
                v.getBytes(java.nio.charset.StandardCharsets.UTF_8))).toArray(
                org.apache.kafka.common.record.SimpleRecord[]::new);
        var records = org.apache.kafka.common.record.MemoryRecords.withIdempotentRecords(
                org.apache.kafka.common.compress.Compression.NONE, 42L, (short) 0, baseSequence, simple);
        var data = new org.apache.kafka.common.message.ProduceRequestData().setAcks((short) -1).setTimeoutMs(5_000);
        var topic = new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData().setName("payments");
        topic.partitionData().add(new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                .setIndex(0).setRecords(records));
        data.topicData().add(topic);
        return request(new RequestHeader(ApiKeys.PRODUCE, (short) 9, "test", correlationId), data, (short) 9);
    }

    private static org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse produced(
            ByteBuffer response) {
        ResponseHeader.parse(response, ApiKeys.PRODUCE.responseHeaderVersion((short) 9));
        return org.apache.kafka.common.requests.ProduceResponse.parse(new ByteBufferAccessor(response), (short) 9)
                .data().responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void shouldAnswerARetriedBatchWithItsOffsetAndRefuseAGap() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            var first = produced(exchange(socket, idempotentProduce(1, 0, "a", "b")));
            assertThat(first.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(first.baseOffset()).isZero();
            var second = produced(exchange(socket, idempotentProduce(2, 2, "c")));
            assertThat(second.baseOffset()).isEqualTo(2);
            // The first batch again, as a producer retries when an answer was lost: its offset, not written twice.
            var retried = produced(exchange(socket, idempotentProduce(3, 0, "a", "b")));
            assertThat(retried.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(retried.baseOffset()).isZero();
            // Sequence 5 after 2: a gap.
            var gap = produced(exchange(socket, idempotentProduce(4, 5, "f")));
            assertThat(gap.errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        }
        assertThat(readAll("payments", 3)).extracting(ConsumerRecord::valueAsString).containsExactly("a", "b", "c");
    }

    @Test
    void shouldRecogniseARetryAcrossABrokerRestart() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            assertThat(produced(exchange(socket, idempotentProduce(1, 0, "a", "b"))).baseOffset()).isZero();
            assertThat(produced(exchange(socket, idempotentProduce(2, 2, "c"))).baseOffset()).isEqualTo(2);
        }
        broker.close();
        broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .set(BrokerConfig.SOCKET_REQUEST_MAX_BYTES, 1_048_576).build());
        bootstrap = broker.bootstrapServers().orElseThrow();
        try (Socket socket = new Socket("127.0.0.1", port())) {
            // Its answer lost in the restart, the producer sends the batch again: the original offset, no copy.
            var retried = produced(exchange(socket, idempotentProduce(3, 2, "c")));
            assertThat(retried.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(retried.baseOffset()).isEqualTo(2);
            assertThat(produced(exchange(socket, idempotentProduce(4, 5, "f"))).errorCode())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
            assertThat(produced(exchange(socket, idempotentProduce(5, 3, "d"))).baseOffset()).isEqualTo(3);
        }
        assertThat(readAll("payments", 4)).extracting(ConsumerRecord::valueAsString)
                .containsExactly("a", "b", "c", "d");
    }

    @Test
    void shouldKeepTheCommitsOfAConsumerThatAssignsItsPartitions() throws Exception {
        try (Producer embedded = broker.producer()) {
            for (int i = 0; i < 10; i++) {
                embedded.send(ProducerRecord.of("payments", "k", "v" + i));
            }
            embedded.flush();
        }
        var tp = new org.apache.kafka.common.TopicPartition("payments", 0);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "billing");
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        var deserializer = new org.apache.kafka.common.serialization.StringDeserializer();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, deserializer, deserializer)) {
            consumer.assign(List.of(tp));
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (read < 4 && System.nanoTime() < deadline) {
                read += consumer.poll(java.time.Duration.ofMillis(200)).count();
            }
            consumer.commitSync(Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(4, "half")));
        }
        // What the broker keeps, seen from the embedded side and from a new Kafka consumer of the group.
        try (Admin admin = broker.admin()) {
            assertThat(admin.listGroupOffsets("billing").get(new TopicPartition("payments", 0)).offset())
                    .isEqualTo(4);
        }
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, deserializer, deserializer)) {
            consumer.assign(List.of(tp));
            assertThat(consumer.committed(java.util.Set.of(tp)).get(tp).metadata()).isEqualTo("half");
            var records = consumer.poll(java.time.Duration.ofSeconds(10));
            assertThat(records.records(tp).get(0).value()).isEqualTo("v4");
        }
        try (AdminClient admin = kafkaAdmin()) {
            assertThat(admin.listGroups().all().get(10, TimeUnit.SECONDS)).extracting(g -> g.groupId())
                    .contains("billing");
            assertThat(admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).get(tp).offset()).isEqualTo(4);
        }
    }

    private org.apache.kafka.clients.consumer.KafkaConsumer<String, String> groupMember(String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "500");
        var deserializer = new org.apache.kafka.common.serialization.StringDeserializer();
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, deserializer, deserializer);
    }

    @Test
    void shouldSharePartitionsAmongSubscribedConsumersAndRebalanceWhenOneLeaves() throws Exception {
        try (Producer embedded = broker.producer()) {
            for (int i = 0; i < 300; i++) {
                embedded.send(ProducerRecord.of("orders", "k" + i, "v" + i));
            }
            embedded.flush();
        }
        var first = groupMember("shop");
        var second = groupMember("shop");
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            first.subscribe(List.of("orders"));
            second.subscribe(List.of("orders"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            // Both poll until the group is stable with partitions split between them and everything is read.
            while ((first.assignment().isEmpty() || second.assignment().isEmpty() || seen.size() < 300)
                    && System.nanoTime() < deadline) {
                first.poll(java.time.Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
                second.poll(java.time.Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
            }
            assertThat(seen).hasSize(300);
            assertThat(first.assignment().size() + second.assignment().size()).isEqualTo(3);
            assertThat(first.assignment()).doesNotContainAnyElementsOf(second.assignment());
            // Each reads its own partitions to the end (what one read before the split, the other reads again).
            for (var member : List.of(first, second)) {
                var ends = member.endOffsets(member.assignment());
                while (ends.entrySet().stream().anyMatch(e -> member.position(e.getKey()) < e.getValue())
                        && System.nanoTime() < deadline) {
                    member.poll(java.time.Duration.ofMillis(100));
                }
                member.commitSync();
            }
            try (AdminClient admin = kafkaAdmin()) {
                var described = admin.describeConsumerGroups(List.of("shop")).all().get(10, TimeUnit.SECONDS)
                        .get("shop");
                assertThat(described.groupState().toString()).isEqualTo("Stable");
                assertThat(described.members()).hasSize(2);
                assertThat(described.members().stream().mapToInt(m -> m.assignment().topicPartitions().size())
                        .sum()).isEqualTo(3);
            }
        } finally {
            second.close(); // LeaveGroup: the first takes over every partition
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (first.assignment().size() < 3 && System.nanoTime() < deadline) {
                first.poll(java.time.Duration.ofMillis(100));
            }
            assertThat(first.assignment()).hasSize(3);
        } finally {
            first.close();
        }
        try (Admin admin = broker.admin()) {
            long committed = admin.listGroupOffsets("shop").values().stream().mapToLong(OffsetAndMetadata::offset)
                    .sum();
            assertThat(committed).isEqualTo(300);
        }
    }

    @Test
    void shouldDescribeAndAlterTopicConfigsForKafkasAdminClient() throws Exception {
        var resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "orders");
        try (AdminClient admin = kafkaAdmin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", "60000"),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(10, TimeUnit.SECONDS);
            var config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("retention.ms").value()).isEqualTo("60000");
            assertThat(config.get("retention.ms").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(config.get("cleanup.policy").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(resource,
                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                            new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", "soon"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all()
                    .get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", null),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get(10, TimeUnit.SECONDS);
        }
        try (Admin embedded = broker.admin()) {
            assertThat(embedded.describeTopic("orders").overrides()).doesNotContainKey("retention.ms");
        }
    }

    @Test
    void shouldDescribeItsBrokerConfigsReadOnly() throws Exception {
        try (AdminClient admin = kafkaAdmin()) {
            String node = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).iterator().next().idString();
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, node);
            var config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
            var maxBytes = config.get("socket.request.max.bytes");
            assertThat(maxBytes.value()).isEqualTo("1048576");
            assertThat(maxBytes.source()).isEqualTo(
                    org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            assertThat(maxBytes.isReadOnly()).isTrue();
            assertThat(config.get("num.partitions").source()).isEqualTo(
                    org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            var op = new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("num.partitions", "3"),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.incrementalAlterConfigs(
                    Map.of(resource, List.of(op))).all().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("broker configs are static");
        }
    }

    /**
     * Random bodies behind well-formed headers, for every API and version the broker advertises: each gets a
     * response or a closed connection, and afterwards the broker serves as before.
     */
    @Test
    void shouldSurviveRandomBytesBehindEveryApiItServes() throws Exception {
        java.util.Random random = new java.util.Random(2026);
        ApiVersionsResponse versions;
        try (Socket socket = new Socket("127.0.0.1", port())) {
            ByteBuffer response = exchange(socket, request(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3,
                    "fuzz", 1), new ApiVersionsRequestData().setClientSoftwareName("fuzz")
                    .setClientSoftwareVersion("1"), (short) 3));
            ResponseHeader.parse(response, (short) 0);
            versions = ApiVersionsResponse.parse(new ByteBufferAccessor(response), (short) 3);
        }
        int sent = 0;
        for (var api : versions.data().apiKeys()) {
            for (short v = api.minVersion(); v <= api.maxVersion(); v++) {
                for (int attempt = 0; attempt < 3; attempt++) {
                    RequestHeader header = new RequestHeader(ApiKeys.forId(api.apiKey()), v, "fuzz", 7);
                    var cache = new org.apache.kafka.common.protocol.ObjectSerializationCache();
                    int headerSize = header.data().size(cache, header.headerVersion());
                    byte[] body = new byte[random.nextInt(64)];
                    random.nextBytes(body);
                    ByteBuffer frame = ByteBuffer.allocate(4 + headerSize + body.length)
                            .putInt(headerSize + body.length);
                    header.data().write(new ByteBufferAccessor(frame), cache, header.headerVersion());
                    frame.put(body);
                    try (Socket socket = new Socket("127.0.0.1", port())) {
                        socket.setSoTimeout(5_000);
                        try {
                            exchange(socket, frame.array()); // a response, or null when the server closed it
                        } catch (java.net.SocketTimeoutException waiting) {
                            // a request that parsed as a long wait (a fetch or a join): fine, nothing broke
                        }
                    }
                    sent++;
                }
            }
        }
        assertThat(sent).isGreaterThan(100);
        try (AdminClient admin = kafkaAdmin()) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("orders", "payments");
        }
        assertThat(readAll("orders", 0)).isEmpty();
    }

    /**
     * Every version of every API the broker advertises, flexible or not (kafkajs, for one, sends only the older,
     * non-flexible ones), with a request of default fields: the answer comes in that version's layout, under the
     * right response header. (Produce v0–v2 are advertised for librdkafka's sake only and close the connection.)
     */
    @Test
    void shouldAnswerEveryAdvertisedVersionOfEveryApiInItsLayout() throws Exception {
        ApiVersionsResponse versions;
        try (Socket socket = new Socket("127.0.0.1", port())) {
            ByteBuffer response = exchange(socket, request(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3,
                    "every-version", 1), new ApiVersionsRequestData().setClientSoftwareName("t")
                    .setClientSoftwareVersion("1"), (short) 3));
            ResponseHeader.parse(response, (short) 0);
            versions = ApiVersionsResponse.parse(new ByteBufferAccessor(response), (short) 3);
        }
        int answered = 0;
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            int correlation = 100;
            for (var api : versions.data().apiKeys()) {
                ApiKeys key = ApiKeys.forId(api.apiKey());
                for (short v = (short) Math.max(api.minVersion(), key.oldestVersion()); v <= api.maxVersion(); v++) {
                    var body = org.apache.kafka.common.message.ApiMessageType.fromApiKey(key.id).newRequest();
                    if (body instanceof org.apache.kafka.common.message.ProduceRequestData produce) {
                        produce.setAcks((short) 1); // acks=0, the default field, is answered with silence
                    }
                    ByteBuffer response;
                    try {
                        response = exchange(socket, request(new RequestHeader(key, v, "every-version",
                                ++correlation), body, v));
                    } catch (java.net.SocketTimeoutException e) {
                        throw new AssertionError("No answer to " + key + " v" + v, e);
                    }
                    assertThat(response).as(key + " v" + v).isNotNull();
                    assertThat(ResponseHeader.parse(response, key.responseHeaderVersion(v)).correlationId())
                            .as(key + " v" + v).isEqualTo(correlation);
                    org.apache.kafka.common.requests.AbstractResponse.parseResponse(key,
                            new ByteBufferAccessor(response), v);
                    assertThat(response.hasRemaining()).as(key + " v" + v + ": bytes left over").isFalse();
                    answered++;
                }
            }
        }
        assertThat(answered).isGreaterThan(150);
    }

    @Test
    void shouldServeSluicesOwnClientApiOverTheNetwork() throws Exception {
        try (RemoteCluster cluster = RemoteCluster.connect(bootstrap); Admin admin = cluster.admin();
             Producer producer = cluster.producer()) {
            admin.createTopic(NewTopic.of("remote", 2).withConfig("retention.ms", "600000"));
            assertThat(admin.describeTopic("remote").overrides()).containsEntry("retention.ms", "600000");
            for (int i = 0; i < 20; i++) {
                producer.send(ProducerRecord.of("remote", "k" + i, "v" + i)
                        .withHeader("n", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            producer.flush();
            assertThat(producer.send(ProducerRecord.of("remote", "k", "last")).get(10, TimeUnit.SECONDS).offset())
                    .isGreaterThanOrEqualTo(0);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.describeTopic("absent"))
                    .isInstanceOf(UnknownTopicException.class);
        }
        try (RemoteCluster cluster = RemoteCluster.connect(bootstrap);
             Consumer consumer = cluster.consumer(ConsumerConfig.builder().groupId("remote-readers")
                     .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build())) {
            consumer.subscribe(List.of("remote"));
            List<ConsumerRecord> read = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < 21 && System.nanoTime() < deadline) {
                read.addAll(consumer.poll(java.time.Duration.ofMillis(200)));
            }
            assertThat(read).hasSize(21);
            assertThat(read).filteredOn(r -> r.keyAsString().equals("k7")).singleElement()
                    .satisfies(r -> assertThat(r.headers()).singleElement()
                            .satisfies(h -> assertThat(h.key()).isEqualTo("n")));
            consumer.commitSync();
        }
        try (Admin embedded = broker.admin()) {
            assertThat(embedded.listGroupOffsets("remote-readers").values().stream()
                    .mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(21);
        }
    }

    /** Kafka's client properties given with the cluster reach its clients: here Kafka's producer compresses. */
    @Test
    void shouldPassKafkasClientPropertiesToEveryRemoteClient() throws Exception {
        try (Admin embedded = broker.admin()) {
            embedded.createTopic(NewTopic.of("squeezed", 1));
            embedded.createTopic(NewTopic.of("plain", 1));
        }
        String value = "x".repeat(1_000);
        for (String topic : List.of("squeezed", "plain")) {
            Map<String, String> properties = topic.equals("squeezed")
                    ? Map.of("compression.type", "gzip", "linger.ms", "50") : Map.of("linger.ms", "50");
            try (RemoteCluster cluster = RemoteCluster.connect(bootstrap, properties);
                 Producer producer = cluster.producer()) {
                for (int i = 0; i < 200; i++) {
                    producer.send(ProducerRecord.of(topic, "k" + i, value), Callback.onFailure(e -> { }));
                }
                producer.flush();
            }
        }
        try (Admin embedded = broker.admin()) {
            assertThat(embedded.describeTopic("plain").partitions().get(0).sizeBytes()).isGreaterThan(200_000);
            assertThat(embedded.describeTopic("squeezed").partitions().get(0).sizeBytes()).isLessThan(20_000);
        }
        assertThat(readAll("squeezed", 200)).hasSize(200)
                .allSatisfy(r -> assertThat(r.valueAsString()).isEqualTo(value));
        try (RemoteCluster cluster = RemoteCluster.connect(bootstrap, Map.of("linger.ms", "soon"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(cluster::producer).hasMessageContaining("linger.ms");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RemoteCluster.connect(bootstrap,
                Map.of("bootstrap.servers", "elsewhere:9092"))).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("given twice");
    }

    @Test
    void shouldNameABadListenerBeforeStarting() {
        for (String bad : List.of("SSL://127.0.0.1:9093", "PLAINTEXT://127.0.0.1:1,PLAINTEXT://127.0.0.1:2",
                "PLAINTEXT://127.0.0.1:70000", "PLAINTEXT://127.0.0.1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerConfig.builder(dir.resolve("other"))
                    .set(BrokerConfig.LISTENERS, bad).build())
                    .as(bad).isInstanceOf(InvalidConfigException.class).hasMessageContaining("key=listeners");
        }
    }

    private int port() {
        return Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
    }
}
