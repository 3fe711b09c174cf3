package io.sluice.broker.internal.net;

import io.sluice.broker.Metric;
import io.sluice.broker.StorageException;
import io.sluice.broker.internal.BrokerCore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Kafka protocol on one plaintext listener: a selector thread accepts connections, reads size-prefixed
 * request frames, hands each to the {@link RequestHandler} and writes the responses back in request order. A
 * client's bytes never stop the server: a frame that is too large or unreadable closes that connection (logged),
 * nothing else.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final ServerSocketChannel server;
    private final Selector selector;
    private final RequestHandler handler;
    private final int maxRequestBytes;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    /** Open connections, all and per client address: the network thread's own. */
    private int connections;
    private final java.util.Map<java.net.InetAddress, Integer> connectionsPerIp = new java.util.HashMap<>();
    private final Thread thread;
    private final Listener bound;
    /** Responses finished off the network thread, to be written by it. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> completions =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final RequestTimes requestTimes = new RequestTimes();
    private volatile boolean closed;

    private KafkaServer(ServerSocketChannel server, Selector selector, RequestHandler handler,
                        io.sluice.broker.BrokerConfig config, Listener bound) {
        this.server = server;
        this.selector = selector;
        this.handler = handler;
        this.maxRequestBytes = config.socketRequestMaxBytes();
        this.maxConnections = config.maxConnections();
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
        this.bound = bound;
        this.thread = new Thread(this::run, "sluice-network-" + bound.port());
        this.thread.setDaemon(true);
    }

    /**
     * Listens on {@code listener} (port 0: any free one) and serves requests; {@code advertised} is what Metadata
     * tells clients, or null to tell them the bound address. Request size and connection limits come from the
     * broker's config.
     */
    public static KafkaServer start(BrokerCore core, Listener listener, Listener advertised) {
        ServerSocketChannel server = null;
        Selector selector = null;
        try {
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(listener.host().isEmpty() ? "0.0.0.0" : listener.host(),
                    listener.port()), 128);
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Listener bound = new Listener(listener.host().isEmpty() ? "0.0.0.0" : listener.host(), port);
            Listener tell = advertised != null ? advertised
                    : new Listener(listener.host().isEmpty() || listener.host().equals("0.0.0.0")
                    ? java.net.InetAddress.getLocalHost().getHostName() : listener.host(), port);
            KafkaServer s = new KafkaServer(server, selector, new RequestHandler(core, () -> tell), core.config(),
                    bound);
            s.thread.start();
            log.info("Listening for Kafka clients: listener={}, advertised={}", bound, tell);
            return s;
        } catch (IOException e) {
            closeQuietly(server);
            closeQuietly(selector);
            throw new StorageException("Cannot listen on " + listener + ": " + e.getMessage(), e);
        }
    }

    /** Requests served and their times, per kind of request, since the server started. */
    public List<Metric> metrics() {
        return requestTimes.metrics();
    }

    /** The address bound (with the real port when 0 was asked). */
    public Listener bound() {
        return bound;
    }

    private void run() {
        try {
            while (!closed) {
                selector.select(500);
                runCompletions();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        Connection c = (Connection) key.attachment();
                        try {
                            if (key.isReadable()) {
                                c.read();
                            }
                            if (key.isValid() && key.isWritable()) {
                                c.write();
                            }
                        } catch (IOException e) {
                            c.closeQuietly(); // the client went away: routine, not worth a warning
                            log.debug("Connection closed: peer={}, cause={}", c.peer, e.toString());
                        } catch (RuntimeException e) {
                            c.close(e instanceof RequestHandler.BadFrameException ? e.getMessage()
                                    : "connection error: " + e);
                        }
                    }
                }
                runCompletions();
            }
        } catch (ClosedSelectorException e) {
            // closing
        } catch (IOException | RuntimeException e) {
            log.error("Network thread failed: listener={}", bound, e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Connection c) {
                    c.closeQuietly();
                }
            }
        }
    }

    private void runCompletions() {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
    }

    private void accept() throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            java.net.InetAddress address = ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
            int fromAddress = connectionsPerIp.getOrDefault(address, 0);
            if (connections >= maxConnections || fromAddress >= maxConnectionsPerIp) {
                log.warn("Refusing a connection: peer={}, reason={}", channel.getRemoteAddress(),
                        connections >= maxConnections ? "max.connections (" + maxConnections + ") reached"
                                : "max.connections.per.ip (" + maxConnectionsPerIp + ") reached for " + address);
                closeQuietly(channel);
                continue;
            }
            channel.configureBlocking(false);
            channel.socket().setTcpNoDelay(true);
            SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            key.attach(new Connection(channel, key, String.valueOf(channel.getRemoteAddress()), address));
            connections++;
            connectionsPerIp.merge(address, 1, Integer::sum);
        }
    }

    /**
     * One client connection: its partly read frame and its responses waiting to be written. One request is handled
     * at a time, as a Kafka broker does: reading stops until its response is queued, which keeps responses in
     * request order while a handler completes later, on another thread.
     */
    private final class Connection {
        private final SocketChannel channel;
        private final SelectionKey key;
        private final String peer;
        private final ByteBuffer size = ByteBuffer.allocate(4);
        private ByteBuffer frame;
        private final ArrayDeque<Send> out = new ArrayDeque<>();
        private final SocketTransfer transfer;
        private boolean inFlight;

        private final java.net.InetAddress address;
        private boolean open = true;

        Connection(SocketChannel channel, SelectionKey key, String peer, java.net.InetAddress address) {
            this.address = address;
            this.channel = channel;
            this.transfer = new SocketTransfer(channel);
            this.key = key;
            this.peer = peer;
        }

        void read() throws IOException {
            if (inFlight) {
                return;
            }
            if (frame == null) {
                if (channel.read(size) < 0) {
                    closeQuietly();
                    return;
                }
                if (size.hasRemaining()) {
                    return;
                }
                int length = size.flip().getInt();
                size.clear();
                if (length <= 0 || length > maxRequestBytes) {
                    throw new RequestHandler.BadFrameException("Request frame of " + length + " bytes from " + peer
                            + " (socket.request.max.bytes is " + maxRequestBytes + ")");
                }
                frame = ByteBuffer.allocate(length);
            }
            if (channel.read(frame) < 0) {
                closeQuietly();
                return;
            }
            if (frame.hasRemaining()) {
                return;
            }
            ByteBuffer request = frame.flip();
            frame = null;
            inFlight = true;
            updateInterest();
            short apiKey = request.remaining() >= 2 ? request.getShort(request.position()) : -1;
            long received = System.nanoTime();
            handler.handle(request, peer, response -> {
                if (Thread.currentThread() == thread) {
                    // Answered on the network thread (most requests): written now, without waking ourselves.
                    completed(response, apiKey, received);
                } else {
                    completions.add(() -> completed(response, apiKey, received));
                    selector.wakeup();
                }
            });
        }

        /** On the network thread: queues the response (none for acks=0) and reads the next request. */
        private void completed(Send response, short apiKey, long received) {
            if (!key.isValid()) {
                return;
            }
            inFlight = false;
            if (response != null) {
                out.add(response);
            }
            try {
                write();
            } catch (IOException e) {
                closeQuietly();
                log.debug("Connection closed: peer={}, cause={}", peer, e.toString());
            }
            requestTimes.record(apiKey, System.nanoTime() - received);
        }

        void write() throws IOException {
            while (!out.isEmpty()) {
                Send next = out.peek();
                next.writeTo(transfer);
                if (!next.completed()) {
                    break;
                }
                out.poll();
            }
            updateInterest();
        }

        private void updateInterest() {
            if (key.isValid()) {
                key.interestOps((inFlight ? 0 : SelectionKey.OP_READ) | (out.isEmpty() ? 0 : SelectionKey.OP_WRITE));
            }
        }

        void close(String why) {
            log.warn("Closing connection: peer={}, reason={}", peer, why);
            closeQuietly();
        }

        void closeQuietly() {
            key.cancel();
            KafkaServer.closeQuietly(channel);
            if (open) {
                open = false;
                connections--;
                connectionsPerIp.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
            }
        }
    }

    /** Stops accepting and closes every connection. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        handler.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(selector);
        closeQuietly(server);
        log.info("Stopped listening: listener={}", bound);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    /** The socket as Kafka's {@link Send}s write to it: buffers gathered, file regions transferred (sendfile). */
    private static final class SocketTransfer implements TransferableChannel {
        private final SocketChannel channel;

        SocketTransfer(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel file, long position, long count) throws IOException {
            return file.transferTo(position, count, channel);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return channel.write(srcs, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return channel.write(srcs);
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
