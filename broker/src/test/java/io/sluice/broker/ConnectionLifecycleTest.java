package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the Kafka-protocol server ends connections: idle ones and ones stopped half way through a request after
 * {@code connections.max.idle.ms}, never one whose request is parked; a parked request dropped as soon as its client
 * goes; a bad frame only after the answers before it. And requests that are valid, or nearly, that once failed
 * inside the broker: each gets its protocol answer.
 */
@Timeout(60)
class ConnectionLifecycleTest {
    @TempDir
    Path dir;
    private Broker broker;
    private int port;

    private void start(long idleMs) {
        broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .set(BrokerConfig.CONNECTIONS_MAX_IDLE_MS, idleMs).build());
        String bootstrap = broker.bootstrapServers().orElseThrow();
        port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("orders", 1));
        }
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private long connections() {
        return (long) broker.metrics().stream().filter(m -> m.name().equals("connections"))
                .mapToDouble(Metric::value).sum();
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Whether the broker closed the socket: a read sees the end of the stream (within the socket's timeout). */
    private static boolean closedByBroker(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    private FetchRequestData longPoll(int maxWaitMs) {
        FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
                .setReplicaId(-1).setIsolationLevel((byte) 0);
        fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("orders").setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setLogStartOffset(-1))));
        return fetch;
    }

    @Test
    void shouldCloseAConnectionThatIsIdleOrStopsHalfWayThroughARequest() throws Exception {
        start(1_000);
        try (Socket silent = new Socket("127.0.0.1", port); Socket halfWay = new Socket("127.0.0.1", port)) {
            DataOutputStream out = new DataOutputStream(halfWay.getOutputStream());
            out.writeInt(100);
            out.write(new byte[10]);
            out.flush();
            silent.setSoTimeout(10_000);
            halfWay.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertThat(closedByBroker(silent)).isTrue();
            assertThat(closedByBroker(halfWay)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(500L, 8_000L);
        }
        await(() -> connections() == 0, 5_000, "connections counted out");
    }

    @Test
    void shouldKeepAConnectionWhoseFetchIsParkedPastTheIdleTimeAndAnswerIt() throws Exception {
        start(1_000);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            long t0 = System.nanoTime();
            var response = (FetchResponse) KafkaWire.exchange(socket, ApiKeys.FETCH, (short) 12, longPoll(3_000));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(2_500);
            assertThat(response.error()).isEqualTo(Errors.NONE);
            var versions = KafkaWire.exchange(socket, ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
                    .setClientSoftwareName("test").setClientSoftwareVersion("1"));
            assertThat(versions.errorCounts()).containsOnlyKeys(Errors.NONE);
        }
    }

    @Test
    void shouldDropAParkedFetchAsSoonAsItsClientGoes() throws Exception {
        start(600_000);
        for (boolean reset : new boolean[] {true, false}) {
            Socket socket = new Socket("127.0.0.1", port);
            socket.getOutputStream().write(KafkaWire.frame(ApiKeys.FETCH, (short) 12, 1, longPoll(60_000)));
            await(() -> connections() == 1, 5_000, "connection counted");
            Thread.sleep(200); // parked by now
            if (reset) {
                socket.setSoLinger(true, 0); // RST, as a client that dies or times out sends
            }
            socket.close();
            await(() -> connections() == 0, 3_000, "the parked fetch's connection closed (reset=" + reset + ")");
        }
    }

    @Test
    void shouldWriteTheWholeAnswerBeforeClosingForABadFramePipelinedBehindIt() throws Exception {
        start(600_000);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 8_000; i++) {
                producer.send(ProducerRecord.of("orders", new byte[1_024]), (m, e) -> { });
            }
            producer.flush();
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            FetchRequestData fetch = longPoll(0).setMaxBytes(64 << 20);
            fetch.topics().get(0).partitions().get(0).setPartitionMaxBytes(64 << 20);
            byte[] good = KafkaWire.frame(ApiKeys.FETCH, (short) 12, 7, fetch);
            byte[] bad = ByteBuffer.allocate(8).putInt(-1).putInt(0).array();
            byte[] both = java.util.Arrays.copyOf(good, good.length + bad.length);
            System.arraycopy(bad, 0, both, good.length, bad.length);
            socket.getOutputStream().write(both);
            Thread.sleep(500); // a response of megabytes fills the socket's buffers meanwhile
            ByteBuffer response = KafkaWire.read(socket);
            assertThat(response).as("the whole fetch response").isNotNull();
            assertThat(response.remaining()).isGreaterThan(8_000_000);
            assertThat(closedByBroker(socket)).isTrue();
        }
    }

    @Test
    void shouldAnswerNearlyValidRequestsThatOnceFailedInsideTheBroker() throws Exception {
        start(600_000);
        Uuid id;
        try (Admin admin = broker.admin()) {
            id = Uuid.fromString(admin.describeTopic("orders").topicId());
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            var byId = (MetadataResponse) KafkaWire.exchange(socket, ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                            .setName(null).setTopicId(id))));
            assertThat(byId.data().topics()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("orders");
                assertThat(t.errorCode()).isEqualTo(Errors.NONE.code());
            });
            var unknownId = (MetadataResponse) KafkaWire.exchange(socket, ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                            .setName(null).setTopicId(Uuid.randomUuid()))));
            assertThat(unknownId.data().topics().iterator().next().errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());

            var offsets = (OffsetFetchResponse) KafkaWire.exchange(socket, ApiKeys.OFFSET_FETCH, (short) 7,
                    new OffsetFetchRequestData().setGroupId("g").setTopics(List.of(new OffsetFetchRequestData
                            .OffsetFetchRequestTopic().setName("orders").setPartitionIndexes(List.of(-1, 0)))));
            assertThat(offsets.data().topics().get(0).partitions()).extracting(p -> p.committedOffset())
                    .containsExactly(-1L, -1L);

            var deleted = (DeleteRecordsResponse) KafkaWire.exchange(socket, ApiKeys.DELETE_RECORDS, (short) 2,
                    new DeleteRecordsRequestData().setTimeoutMs(5_000).setTopics(List.of(new DeleteRecordsRequestData
                            .DeleteRecordsTopic().setName("orders").setPartitions(List.of(new DeleteRecordsRequestData
                            .DeleteRecordsPartition().setPartitionIndex(-3).setOffset(0))))));
            assertThat(deleted.data().topics().iterator().next().partitions().iterator().next().errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());

            for (short version : new short[] {5, 9}) {
                var joined = (JoinGroupResponse) KafkaWire.exchange(socket, ApiKeys.JOIN_GROUP, version,
                        new JoinGroupRequestData().setGroupId("g").setMemberId("").setSessionTimeoutMs(10_000)
                                .setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                                .setProtocols(new JoinGroupRequestData.JoinGroupRequestProtocolCollection()));
                assertThat(joined.error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
            }
        }
    }
}
