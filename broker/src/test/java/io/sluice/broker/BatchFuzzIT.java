package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sluice.broker.internal.ingest.BatchMutator;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fuzz test that reaches inside record batches, against a broker in a JVM of its own: over many connections at
 * once, produce requests of every version carrying batches Kafka's producer encodes, mutated inside
 * ({@link BatchMutator}: counts, offset deltas, lengths, varints, attributes, codec, record bodies, with the CRC
 * recomputed), and frames of every advertised API and version with mutated bodies. Afterwards the broker serves a
 * normal client, consumers read every partition to its end, its heap after a full GC and its descriptors are back
 * near where they were, and every batch it stored decodes fully with kafka-clients' reader, record by record.
 *
 * <p>{@code -Dsluice.fuzz.frames=1000000} makes it the long run ({@code docs/bench/fuzz-long.sh}); the suite's is
 * {@value #DEFAULT_FRAMES} frames.
 */
@Timeout(3_600)
class BatchFuzzIT {
    private static final Logger log = LoggerFactory.getLogger(BatchFuzzIT.class);
    private static final int DEFAULT_FRAMES = 20_000;
    private static final int FRAMES = Integer.getInteger("sluice.fuzz.frames", DEFAULT_FRAMES);
    private static final int CONNECTIONS = Integer.getInteger("sluice.fuzz.connections", 8);
    private static final List<String> TOPICS = List.of("fuzz", "fuzz-compacted", "fuzz-append-time");

    @TempDir
    Path dir;

    @Test
    void shouldSurviveMutatedBatchesAndFramesOfEveryApiOverManyConnections() throws Exception {
        Path data = dir.resolve("data");
        Map<String, Long> before;
        Map<String, Long> after;
        long started;
        long elapsedNanos;
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong produced = new AtomicLong();
        try (ChildBroker broker = ChildBroker.start(data, System.getProperty("sluice.fuzz.heap", "256m"),
                Path.of("target", "BatchFuzzIT-broker.log"))) {
            Map<String, Uuid> ids = createTopics(broker.bootstrap());
            List<ApiVersionsResponseData.ApiVersion> apis = advertised(broker.port);
            assertThat(HostileConnectionsIT.roundTrip(broker.bootstrap(), "before", 200)).isEqualTo(200);
            // A partition opens its files when it is first written: the fuzzed ones are, before the count to return to.
            writeOneRecordToEachPartition(broker.bootstrap());
            before = broker.stats();

            started = System.nanoTime();
            ExecutorService workers = Executors.newFixedThreadPool(CONNECTIONS);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < CONNECTIONS; w++) {
                Fuzzer fuzzer = new Fuzzer(broker.port, new Random(2026L * 31 + w), ids, apis, sent, answered,
                        produced);
                running.add(workers.submit(() -> {
                    fuzzer.run(FRAMES / CONNECTIONS);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            workers.shutdown();
            elapsedNanos = System.nanoTime() - started;
            assertThat(broker.isAlive()).isTrue();

            after = awaitDescriptorsBack(broker, before);
            assertThatCode(() -> readEveryPartitionToItsEnd(broker.bootstrap())).doesNotThrowAnyException();
            assertThat(HostileConnectionsIT.roundTrip(broker.bootstrap(), "after", 200)).isEqualTo(200);
        }
        int stored = assertEveryStoredBatchDecodesFully(data);
        double seconds = elapsedNanos / 1e9;
        log.info("Fuzzed: frames={}, seconds={}, framesPerSecond={}, answered={}, batchesAccepted={}, "
                + "batchesStored={}, heapBefore={} MiB, heapAfter={} MiB, fdsBefore={}, fdsAfter={}, "
                + "socketsBefore={}, socketsAfter={}", sent.get(), String.format("%.1f", seconds),
                Math.round(sent.get() / seconds), answered.get(), produced.get(), stored, mib(before.get("heap")),
                mib(after.get("heap")), before.get("fds"), after.get("fds"), before.get("sockets"),
                after.get("sockets"));
        assertThat(sent.get()).isGreaterThanOrEqualTo(FRAMES - CONNECTIONS);
        assertThat(produced.get()).as("some mutated batches are still valid and stored").isPositive();
        assertThat(after.get("heap")).as("heap after a full GC, MiB").isLessThan(before.get("heap") + (32L << 20));
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static Map<String, Uuid> createTopics(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (AdminClient admin = AdminClient.create(p)) {
            admin.createTopics(List.of(new NewTopic("fuzz", 3, (short) 1),
                    new NewTopic("fuzz-compacted", 2, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic("fuzz-append-time", 1, (short) 1).configs(Map.of("message.timestamp.type",
                            "LogAppendTime")))).all().get(30, TimeUnit.SECONDS);
            Map<String, Uuid> ids = new HashMap<>();
            admin.describeTopics(TOPICS).allTopicNames().get(30, TimeUnit.SECONDS)
                    .forEach((name, description) -> ids.put(name, description.topicId()));
            return ids;
        }
    }

    private static List<ApiVersionsResponseData.ApiVersion> advertised(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            var response = (ApiVersionsResponse) KafkaWire.exchange(socket, ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"));
            return new ArrayList<>(response.data().apiKeys());
        }
    }

    private static void writeOneRecordToEachPartition(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (String topic : TOPICS) {
                for (var partition : producer.partitionsFor(topic)) {
                    producer.send(new ProducerRecord<>(topic, partition.partition(), new byte[] {'k'},
                            new byte[] {'v'})).get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Kafka's consumer reads every partition of the fuzzed topics from its start to its end. */
    private static void readEveryPartitionToItsEnd(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : TOPICS) {
                consumer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("reading every partition to its end").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200));
            }
        }
    }

    /** The broker's stats once the connections the fuzzers closed are gone (a closing one lingers a moment). */
    private static Map<String, Long> awaitDescriptorsBack(ChildBroker broker, Map<String, Long> before)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Long> stats = broker.stats();
        while ((stats.get("sockets") > before.get("sockets") || stats.get("fds") > before.get("fds") + 2)
                && System.nanoTime() < deadline) {
            Thread.sleep(500);
            stats = broker.stats();
        }
        assertThat(stats.get("sockets")).as("sockets open, against %s before", before).isLessThanOrEqualTo(
                before.get("sockets"));
        assertThat(stats.get("fds")).as("descriptors open, against %s before", before).isLessThanOrEqualTo(
                before.get("fds") + 2);
        return stats;
    }

    /** Every batch of every log file passes its CRC and reads back record by record at consecutive offsets. */
    private static int assertEveryStoredBatchDecodesFully(Path data) throws IOException {
        int batches = 0;
        try (var files = Files.walk(data)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                try (FileRecords records = FileRecords.open(file.toFile())) {
                    for (RecordBatch batch : records.batches()) {
                        batch.ensureValid();
                        long previous = batch.baseOffset() - 1;
                        for (Record record : batch) {
                            assertThat(record.offset()).as("%s at offset %d", file, record.offset())
                                    .isGreaterThan(previous).isLessThanOrEqualTo(batch.lastOffset());
                            previous = record.offset();
                            record.key();
                            record.value();
                            record.headers();
                        }
                        batches++;
                    }
                }
            }
        }
        return batches;
    }

    /** One connection's worth of fuzzing: what it sends, and what became of it. */
    private static final class Fuzzer {
        private final int port;
        private final Random random;
        private final BatchMutator mutator;
        private final Map<String, Uuid> ids;
        private final List<ApiVersionsResponseData.ApiVersion> apis;
        private final List<ByteBuffer> batches;
        private final AtomicLong sent;
        private final AtomicLong answered;
        private final AtomicLong produced;
        private Socket socket;
        private int correlation;
        /** The acks and version of the produce last built. */
        private short lastAcks;
        private short lastVersion;

        Fuzzer(int port, Random random, Map<String, Uuid> ids, List<ApiVersionsResponseData.ApiVersion> apis,
               AtomicLong sent, AtomicLong answered, AtomicLong produced) {
            this.port = port;
            this.random = random;
            this.mutator = new BatchMutator(random);
            this.ids = ids;
            this.apis = apis;
            this.batches = BatchMutator.kafkaBatches(random, System.currentTimeMillis(), 8);
            this.sent = sent;
            this.answered = answered;
            this.produced = produced;
        }

        void run(int frames) throws IOException {
            try {
                for (int i = 0; i < frames; i++) {
                    boolean produce = random.nextInt(3) != 0;
                    byte[] frame = produce ? produce() : otherApi();
                    exchange(frame, produce);
                    sent.incrementAndGet();
                }
            } finally {
                closeSocket(false);
            }
        }

        /** A produce of a mutated batch, in any version, with any acks, to a fuzzed topic or none. */
        private byte[] produce() throws IOException {
            String[] how = new String[1];
            ByteBuffer batch = mutator.mutate(batches.get(random.nextInt(batches.size())), how);
            short version = (short) (3 + random.nextInt(11));
            String topic = random.nextInt(20) == 0 ? "no-such-topic" : TOPICS.get(random.nextInt(TOPICS.size()));
            short acks = new short[] {-1, 1, 1, 0}[random.nextInt(4)];
            var topicData = new ProduceRequestData.TopicProduceData();
            if (version >= 13) {
                topicData.setTopicId(ids.getOrDefault(topic, Uuid.randomUuid()));
            } else {
                topicData.setName(topic);
            }
            topicData.partitionData().add(new ProduceRequestData.PartitionProduceData()
                    .setIndex(random.nextInt(10) == 0 ? random.nextInt(7) - 2 : random.nextInt(2))
                    .setRecords(MemoryRecords.readableRecords(batch)));
            ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(5_000);
            lastAcks = acks;
            lastVersion = version;
            data.topicData().add(topicData);
            return KafkaWire.frame(ApiKeys.PRODUCE, version, ++correlation, data);
        }

        /** A request of another advertised API and version, of default fields, its body then mutated. */
        private byte[] otherApi() {
            ApiVersionsResponseData.ApiVersion api = apis.get(random.nextInt(apis.size()));
            ApiKeys key = ApiKeys.forId(api.apiKey());
            short version = (short) (Math.max(api.minVersion(), key.oldestVersion())
                    + random.nextInt(api.maxVersion() - Math.max(api.minVersion(), key.oldestVersion()) + 1));
            ApiMessage body = ApiMessageType.fromApiKey(key.id).newRequest();
            RequestHeader header = new RequestHeader(key, version, "fuzz", ++correlation);
            byte[] frame = KafkaWire.frame(header, body, version);
            int headerEnd = 4 + header.data().size(new org.apache.kafka.common.protocol.ObjectSerializationCache(),
                    header.headerVersion());
            return mutateBody(frame, headerEnd);
        }

        /** Bits flipped, bytes overwritten, the body cut or lengthened (size prefix kept true), after the header. */
        private byte[] mutateBody(byte[] frame, int headerEnd) {
            byte[] out = frame.clone();
            int bodyLength = out.length - headerEnd;
            switch (random.nextInt(4)) {
                case 0 -> {
                    for (int n = 1 + random.nextInt(4); n > 0 && bodyLength > 0; n--) {
                        out[headerEnd + random.nextInt(bodyLength)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    for (int n = 1 + random.nextInt(4); n > 0 && bodyLength > 0; n--) {
                        out[headerEnd + random.nextInt(bodyLength)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    out = java.util.Arrays.copyOf(out, headerEnd + (bodyLength == 0 ? 0 : random.nextInt(bodyLength)));
                }
                default -> {
                    byte[] junk = new byte[1 + random.nextInt(64)];
                    random.nextBytes(junk);
                    out = java.util.Arrays.copyOf(out, out.length + junk.length);
                    System.arraycopy(junk, 0, out, out.length - junk.length, junk.length);
                }
            }
            ByteBuffer.wrap(out).putInt(0, out.length - 4);
            return out;
        }

        /** Sends on this fuzzer's connection; waits a moment for an answer, else starts a new connection. */
        private void exchange(byte[] frame, boolean produce) throws IOException {
            if (socket == null || socket.isClosed()) {
                socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(100);
            }
            boolean acksZero = produce && lastAcks == 0;
            try {
                socket.getOutputStream().write(frame);
                if (acksZero) {
                    return;
                }
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] response = new byte[in.readInt()];
                in.readFully(response);
                answered.incrementAndGet();
                if (produce && producedNothingWrong(response, lastVersion)) {
                    produced.incrementAndGet();
                }
            } catch (IOException closedOrWaiting) {
                // Closed by the broker (bad bytes), or a request that parked (a fetch, a join): a new connection.
                closeSocket(random.nextBoolean());
            }
        }

        /** Whether a produce's response carried no error: the batch was stored. */
        private static boolean producedNothingWrong(byte[] response, short version) {
            ByteBuffer b = ByteBuffer.wrap(response);
            org.apache.kafka.common.requests.ResponseHeader.parse(b, ApiKeys.PRODUCE.responseHeaderVersion(version));
            var parsed = org.apache.kafka.common.requests.ProduceResponse.parse(
                    new org.apache.kafka.common.protocol.ByteBufferAccessor(b), version);
            return parsed.data().responses().stream().allMatch(t -> t.partitionResponses().stream()
                    .allMatch(p -> p.errorCode() == 0));
        }

        private void closeSocket(boolean reset) {
            if (socket == null) {
                return;
            }
            try {
                if (reset && !socket.isClosed()) {
                    socket.setSoLinger(true, 0);
                }
                socket.close();
            } catch (IOException ignored) {
                // gone already
            }
            socket = null;
        }
    }
}
