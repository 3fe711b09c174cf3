import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A broker's own round trip, without a client library's work around it: one request at a time on one blocking
 * connection, timed from write to response read. ApiVersions (answered from memory), Produce (one 100-byte record,
 * acks=1, into partition 0) and Fetch (from the record before the last one produced, max wait 0: a consumer at the
 * tail). Each pass twice; percentiles in microseconds. Runs against any Kafka-protocol broker:
 *
 *   java -cp runner/target/sluice.jar docs/bench/RequestRoundTrips.java 127.0.0.1 9092 TOPIC [REQUESTS=20000]
 */
public final class RequestRoundTrips {
    private final SocketChannel channel;
    private int correlationId;
    private long lastOffset;

    private RequestRoundTrips(SocketChannel channel) {
        this.channel = channel;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: RequestRoundTrips HOST PORT TOPIC [REQUESTS=20000]");
            System.exit(2);
        }
        String topic = args[2];
        int requests = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(args[0], Integer.parseInt(args[1])))) {
            channel.socket().setTcpNoDelay(true);
            RequestRoundTrips rt = new RequestRoundTrips(channel);
            MetadataResponse metadata = (MetadataResponse) rt.roundTrip(
                    new MetadataRequest.Builder(List.of(topic), false).build((short) 12));
            Uuid topicId = metadata.data().topics().iterator().next().topicId();
            for (int pass = 0; pass < 2; pass++) {
                for (String api : List.of("ApiVersions", "Produce", "Fetch")) {
                    long[] micros = new long[requests];
                    for (int i = 0; i < requests; i++) {
                        long start = System.nanoTime();
                        switch (api) {
                            case "ApiVersions" -> rt.roundTrip(new ApiVersionsRequest.Builder().build((short) 3));
                            case "Produce" -> rt.produce(topic);
                            default -> rt.fetch(topic, topicId);
                        }
                        micros[i] = (System.nanoTime() - start) / 1_000;
                    }
                    Arrays.sort(micros);
                    System.out.printf("%-12s p50 %5d  p90 %5d  p99 %5d µs%n", api, micros[requests / 2],
                            micros[requests * 9 / 10], micros[requests * 99 / 100]);
                }
            }
        }
    }

    private void produce(String topic) throws IOException {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord(System.currentTimeMillis(), null, new byte[100]))))));
        ProduceResponse response = (ProduceResponse) roundTrip(new ProduceRequest.Builder((short) 9, (short) 9, data)
                .build((short) 9));
        var partition = response.data().responses().iterator().next().partitionResponses().get(0);
        if (partition.errorCode() != 0) {
            throw new IllegalStateException("Produce failed: error code " + partition.errorCode());
        }
        lastOffset = partition.baseOffset();
    }

    private void fetch(String topic, Uuid topicId) throws IOException {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setReplicaId(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic)
                        .setTopicId(topicId).setPartitions(List.of(new FetchRequestData.FetchPartition()
                                .setPartition(0).setFetchOffset(Math.max(0, lastOffset - 1))
                                .setPartitionMaxBytes(1 << 20)))));
        roundTrip(new FetchRequest(data, (short) 12));
    }

    private AbstractResponse roundTrip(AbstractRequest request) throws IOException {
        ApiKeys api = request.apiKey();
        RequestHeader header = new RequestHeader(api, request.version(), "round-trips", ++correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
        ByteBuffer size = ByteBuffer.allocate(4);
        readFully(size);
        ByteBuffer response = ByteBuffer.allocate(size.flip().getInt());
        readFully(response);
        return AbstractResponse.parseResponse(response.flip(), header);
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the broker closed the connection");
            }
        }
    }
}
