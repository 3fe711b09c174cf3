package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutations of real client requests: Kafka's admin client, an idempotent compressing producer and a group consumer
 * talk to the broker through a proxy that records every request frame; each frame is then sent again, mutated
 * (bits flipped, bytes overwritten, cut short, lengthened, its size prefix wrong), on a connection of its own. The
 * broker answers or closes that connection, stores nothing corrupt, and serves normal clients as before.
 */
@Timeout(180)
class ProtocolFuzzTest {
    private static final int MUTATIONS_PER_FRAME = 25;

    @TempDir
    Path dir;

    @Test
    void shouldSurviveMutatedClientRequestsAndStoreNothingCorrupt() throws Exception {
        // Clients go where the metadata says: the broker advertises the proxy, which forwards to its real port.
        try (RecordingProxy proxy = new RecordingProxy();
             Broker broker = Broker.start(BrokerConfig.builder(dir)
                     .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                     .set(BrokerConfig.ADVERTISED_LISTENERS, "PLAINTEXT://127.0.0.1:" + proxy.port())
                     .set(BrokerConfig.SOCKET_REQUEST_MAX_BYTES, 1_048_576).build())) {
            String listening = broker.bootstrapServers().orElseThrow();
            int port = Integer.parseInt(listening.substring(listening.indexOf(':') + 1));
            proxy.forwardTo(port);
            String bootstrap = "127.0.0.1:" + proxy.port();
            useEveryClient(bootstrap, "fuzzed", "recorded");
            List<byte[]> frames = proxy.frames();
            Set<ApiKeys> apis = new HashSet<>();
            frames.forEach(f -> apis.add(ApiKeys.forId(ByteBuffer.wrap(f).getShort(4))));
            assertThat(apis).as("recorded requests").contains(ApiKeys.API_VERSIONS, ApiKeys.METADATA,
                    ApiKeys.CREATE_TOPICS, ApiKeys.INIT_PRODUCER_ID, ApiKeys.PRODUCE, ApiKeys.FIND_COORDINATOR,
                    ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.FETCH, ApiKeys.OFFSET_COMMIT,
                    ApiKeys.OFFSET_FETCH);

            Random random = new Random(2026);
            int sent = 0;
            int answered = 0;
            for (byte[] frame : frames) {
                for (int i = 0; i < MUTATIONS_PER_FRAME; i++) {
                    if (sendAlone(port, mutate(frame, random))) {
                        answered++;
                    }
                    sent++;
                }
            }
            assertThat(sent).isGreaterThan(300);
            assertThat(answered).as("some mutations still parse and are answered").isPositive();

            // The broker serves normal clients as before, and everything it stored is whole.
            useEveryClient(bootstrap, "after", "after-fuzz");
            assertEveryStoredBatchIsValid();
        }
    }

    /** Creates a topic, sends 50 records with headers through an idempotent gzip producer and reads them back. */
    private static void useEveryClient(String bootstrap, String topic, String group) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("default.api.timeout.ms", 20_000);
        p.put("request.timeout.ms", 10_000);
        try (AdminClient admin = AdminClient.create(p)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 3, (short) 1))).all()
                    .get(20, TimeUnit.SECONDS);
        }
        Properties pp = new Properties();
        pp.put("bootstrap.servers", bootstrap);
        pp.put("compression.type", "gzip");
        pp.put("linger.ms", "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 50; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key-" + i, "value-" + i);
                record.headers().add("n", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
        Properties cp = new Properties();
        cp.put("bootstrap.servers", bootstrap);
        cp.put("group.id", group);
        cp.put("auto.offset.reset", "earliest");
        cp.put("enable.auto.commit", "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < 50 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value() + "@" + new String(
                        r.headers().lastHeader("n").value(), java.nio.charset.StandardCharsets.UTF_8)));
            }
            consumer.commitSync();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("value-" + i + "@" + i);
        }
        assertThat(values).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** One of: flip bits, overwrite bytes, cut the body short, append garbage, or give a wrong size prefix. */
    private static byte[] mutate(byte[] frame, Random random) {
        byte[] out;
        switch (random.nextInt(5)) {
            case 0 -> {
                out = frame.clone();
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    int at = 4 + random.nextInt(out.length - 4);
                    out[at] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> {
                out = frame.clone();
                int at = 4 + random.nextInt(out.length - 4);
                int length = Math.min(out.length - at, 1 + random.nextInt(8));
                byte[] junk = new byte[length];
                random.nextBytes(junk);
                System.arraycopy(junk, 0, out, at, length);
            }
            case 2 -> {
                int body = random.nextInt(frame.length - 4);
                out = java.util.Arrays.copyOf(frame, 4 + body);
                ByteBuffer.wrap(out).putInt(0, body);
            }
            case 3 -> {
                out = java.util.Arrays.copyOf(frame, frame.length + 1 + random.nextInt(64));
                byte[] junk = new byte[out.length - frame.length];
                random.nextBytes(junk);
                System.arraycopy(junk, 0, out, frame.length, junk.length);
                ByteBuffer.wrap(out).putInt(0, out.length - 4);
            }
            default -> {
                out = frame.clone();
                int[] sizes = {-1, 0, 1, Integer.MAX_VALUE, out.length - 4 + 1, (out.length - 4) / 2};
                ByteBuffer.wrap(out).putInt(0, sizes[random.nextInt(sizes.length)]);
            }
        }
        return out;
    }

    /** Sends one frame on a new connection; true if a response came back before a short wait. */
    private static boolean sendAlone(int port, byte[] frame) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(300);
            try {
                socket.getOutputStream().write(frame);
                socket.getOutputStream().flush();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                in.readFully(new byte[in.readInt()]);
                return true;
            } catch (SocketTimeoutException waiting) {
                return false; // a request that parsed as a wait (a fetch, a join), or a frame still incomplete
            } catch (IOException closed) {
                return false; // the broker closed this connection: what bad bytes get
            }
        }
    }

    private void assertEveryStoredBatchIsValid() throws IOException {
        int batches = 0;
        try (var files = Files.walk(dir)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                try (FileRecords records = FileRecords.open(log.toFile())) {
                    for (RecordBatch batch : records.batches()) {
                        batch.ensureValid();
                        batches++;
                    }
                }
            }
        }
        assertThat(batches).isPositive();
    }

    /** A TCP proxy to the broker that keeps a copy of every request frame clients send through it. */
    private static final class RecordingProxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<byte[]> frames = Collections.synchronizedList(new ArrayList<>());
        private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
        private volatile int brokerPort;

        RecordingProxy() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket("127.0.0.1", brokerPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        daemon(() -> recordFrames(client, upstream));
                        daemon(() -> copy(upstream, client));
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "recording-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void forwardTo(int port) {
            brokerPort = port;
        }

        List<byte[]> frames() {
            synchronized (frames) {
                return new ArrayList<>(frames);
            }
        }

        private void recordFrames(Socket client, Socket upstream) {
            try {
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = upstream.getOutputStream();
                while (true) {
                    int size = in.readInt();
                    byte[] frame = new byte[4 + size];
                    ByteBuffer.wrap(frame).putInt(size);
                    in.readFully(frame, 4, size);
                    frames.add(frame);
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException closed) {
                closeQuietly(client, upstream);
            }
        }

        private void copy(Socket from, Socket to) {
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException closed) {
                // the other side went away
            } finally {
                closeQuietly(from, to);
            }
        }

        private static void daemon(Runnable task) {
            Thread t = new Thread(task, "recording-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(Socket... sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                sockets.forEach(RecordingProxy::closeQuietly);
            }
        }
    }
}
