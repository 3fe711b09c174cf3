package io.sluice.broker.internal.net;

import io.sluice.broker.Metric;
import io.sluice.broker.StorageException;
import io.sluice.broker.internal.BrokerCore;
import java.io.IOException;
import java.net.InetAddress;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Kafka protocol on one plaintext listener with {@code num.network.threads} network threads, each a
 * selector over its share of the connections: the first also accepts them and deals them out in turn. A network
 * thread reads size-prefixed request frames, hands each to the {@link RequestHandler} and writes the responses back
 * in request order. A client's bytes never stop the server: a frame that is too large or unreadable closes that
 * connection (logged), nothing else.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final ServerSocketChannel server;
    private final Processor[] processors;
    private final RequestHandler handler;
    private final int maxRequestBytes;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    /** Open connections, all and per client address. */
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> connectionsPerIp = new ConcurrentHashMap<>();
    /** The accepting thread's: which network thread gets the next connection. */
    private int nextProcessor;
    /** The accepting thread's: accepting paused (no file descriptor left, say) until this System.nanoTime, or 0. */
    private long acceptPausedUntil;
    private long lastAcceptWarning;
    private static final long ACCEPT_PAUSE_NANOS = 100_000_000L;
    private final Listener bound;
    private final RequestTimes requestTimes = new RequestTimes();
    private volatile boolean closed;

    private KafkaServer(ServerSocketChannel server, Selector[] selectors, RequestHandler handler,
                        io.sluice.broker.BrokerConfig config, Listener bound) {
        this.server = server;
        this.handler = handler;
        this.maxRequestBytes = config.socketRequestMaxBytes();
        this.maxConnections = config.maxConnections();
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
        this.bound = bound;
        this.processors = new Processor[selectors.length];
        for (int i = 0; i < selectors.length; i++) {
            processors[i] = new Processor(selectors[i], "sluice-network-" + bound.port() + "-" + i);
        }
    }

    /**
     * Listens on {@code listener} (port 0: any free one) and serves requests; {@code advertised} is what Metadata
     * tells clients, or null to tell them the bound address. Request size and connection limits and the number of
     * network threads come from the broker's config.
     */
    public static KafkaServer start(BrokerCore core, Listener listener, Listener advertised) {
        ServerSocketChannel server = null;
        Selector[] selectors = new Selector[core.config().numNetworkThreads()];
        try {
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(listener.host().isEmpty() ? "0.0.0.0" : listener.host(),
                    listener.port()), 128);
            server.configureBlocking(false);
            for (int i = 0; i < selectors.length; i++) {
                selectors[i] = Selector.open();
            }
            server.register(selectors[0], SelectionKey.OP_ACCEPT);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Listener bound = new Listener(listener.host().isEmpty() ? "0.0.0.0" : listener.host(), port);
            Listener tell = advertised != null ? advertised
                    : new Listener(listener.host().isEmpty() || listener.host().equals("0.0.0.0")
                    ? java.net.InetAddress.getLocalHost().getHostName() : listener.host(), port);
            KafkaServer s = new KafkaServer(server, selectors, new RequestHandler(core, () -> tell), core.config(),
                    bound);
            for (Processor p : s.processors) {
                p.thread.start();
            }
            log.info("Listening for Kafka clients: listener={}, advertised={}, networkThreads={}", bound, tell,
                    selectors.length);
            return s;
        } catch (IOException e) {
            closeQuietly(server);
            for (Selector selector : selectors) {
                closeQuietly(selector);
            }
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

    /**
     * The first network thread's: takes new connections, within the limits, and deals them out in turn. When the
     * server cannot accept — out of file descriptors, typically — it stops trying for a moment rather than spin
     * (the connection waits in the backlog) or die; a connection that fails while being set up is dropped alone.
     */
    private void accept(SelectionKey acceptKey) {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                acceptKey.interestOps(0);
                long now = System.nanoTime();
                acceptPausedUntil = now + ACCEPT_PAUSE_NANOS;
                if (now - lastAcceptWarning > 10 * 1_000_000_000L || lastAcceptWarning == 0) {
                    lastAcceptWarning = now;
                    log.warn("Cannot accept connections, trying again in 100 ms: listener={}, cause={}", bound,
                            e.toString());
                }
                return;
            }
            if (channel == null) {
                return;
            }
            InetAddress address;
            try {
                address = ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
            } catch (IOException e) {
                log.debug("Connection lost as it was accepted: cause={}", e.toString());
                closeQuietly(channel);
                continue;
            }
            if (!admit(address)) {
                log.warn("Refusing a connection: peer={}, reason={}", address,
                        connections.get() >= maxConnections ? "max.connections (" + maxConnections + ") reached"
                                : "max.connections.per.ip (" + maxConnectionsPerIp + ") reached for " + address);
                closeQuietly(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.socket().setTcpNoDelay(true);
            } catch (IOException e) {
                log.debug("Connection lost as it was accepted: peer={}, cause={}", address, e.toString());
                closeQuietly(channel);
                release(address);
                continue;
            }
            Processor to = processors[nextProcessor];
            nextProcessor = (nextProcessor + 1) % processors.length;
            to.adopt(channel, address);
        }
    }

    /** The accepting thread's: accepts again once a pause is over; how long select may wait meanwhile. */
    private long resumeAccepting() {
        if (acceptPausedUntil == 0) {
            return 500;
        }
        long left = acceptPausedUntil - System.nanoTime();
        if (left > 0) {
            return Math.max(1, left / 1_000_000);
        }
        acceptPausedUntil = 0;
        server.keyFor(processors[0].selector).interestOps(SelectionKey.OP_ACCEPT);
        return 500;
    }

    /** Counts a connection in, if neither limit is reached. */
    private boolean admit(InetAddress address) {
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            return false;
        }
        boolean[] admitted = new boolean[1];
        connectionsPerIp.compute(address, (a, n) -> {
            int open = n == null ? 0 : n;
            admitted[0] = open < maxConnectionsPerIp;
            return admitted[0] ? open + 1 : n;
        });
        if (!admitted[0]) {
            connections.decrementAndGet();
        }
        return admitted[0];
    }

    private void release(InetAddress address) {
        connections.decrementAndGet();
        connectionsPerIp.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }

    /** One network thread: a selector over its connections, and the responses finished for them elsewhere. */
    private final class Processor {
        private final Selector selector;
        private final Thread thread;
        /** Responses finished off this thread, to be written by it. */
        private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();

        Processor(Selector selector, String name) {
            this.selector = selector;
            this.thread = new Thread(this::run, name);
            this.thread.setDaemon(true);
        }

        /** Serves a new connection from now on; from the accepting thread, which may be another one. */
        void adopt(SocketChannel channel, InetAddress address) {
            Runnable register = () -> {
                try {
                    SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                    key.attach(new Connection(this, channel, key, String.valueOf(channel.getRemoteAddress()),
                            address));
                } catch (IOException | RuntimeException e) {
                    log.debug("Connection lost before it was served: cause={}", e.toString());
                    closeQuietly(channel);
                    release(address);
                }
            };
            if (Thread.currentThread() == thread) {
                register.run();
            } else {
                execute(register);
            }
        }

        /** Runs {@code task} on this network thread. */
        void execute(Runnable task) {
            completions.add(task);
            selector.wakeup();
        }

        boolean onThisThread() {
            return Thread.currentThread() == thread;
        }

        private void run() {
            try {
                while (!closed) {
                    selector.select(this == processors[0] ? resumeAccepting() : 500);
                    runCompletions();
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept(key);
                        } else {
                            serve((Connection) key.attachment(), key);
                        }
                    }
                    runCompletions();
                }
            } catch (ClosedSelectorException e) {
                // closing
            } catch (IOException | RuntimeException e) {
                log.error("Network thread failed: listener={}, thread={}", bound, thread.getName(), e);
            } finally {
                try {
                    runCompletions(); // connections dealt to this thread meanwhile: registered, then closed below
                } catch (RuntimeException e) {
                    log.debug("Finishing network thread: cause={}", e.toString());
                }
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof Connection c) {
                        c.closeQuietly();
                    }
                }
            }
        }

        private void serve(Connection c, SelectionKey key) {
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
                c.close(e instanceof RequestHandler.BadFrameException ? e.getMessage() : "connection error: " + e);
            }
        }

        private void runCompletions() {
            Runnable completion;
            while ((completion = completions.poll()) != null) {
                completion.run();
            }
        }
    }

    /**
     * One client connection, served by one network thread: its partly read frame and its responses waiting to be
     * written. One request is handled at a time, as a Kafka broker does: reading stops until its response is
     * queued, which keeps responses in request order while a handler completes later, on another thread.
     */
    private final class Connection {
        private final Processor processor;
        private final SocketChannel channel;
        private final SelectionKey key;
        private final String peer;
        private final ByteBuffer size = ByteBuffer.allocate(4);
        private ByteBuffer frame;
        private final ArrayDeque<Send> out = new ArrayDeque<>();
        private final SocketTransfer transfer;
        private boolean inFlight;

        private final InetAddress address;
        private boolean open = true;

        Connection(Processor processor, SocketChannel channel, SelectionKey key, String peer, InetAddress address) {
            this.processor = processor;
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
                if (processor.onThisThread()) {
                    // Answered on the connection's own thread (most requests): written now, without a wake-up.
                    completed(response, apiKey, received);
                } else {
                    processor.execute(() -> completed(response, apiKey, received));
                }
            });
        }

        /** On the connection's network thread: queues the response (none for acks=0) and reads the next request. */
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
                release(address);
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
        for (Processor p : processors) {
            p.selector.wakeup();
        }
        handler.close();
        try {
            for (Processor p : processors) {
                p.thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Processor p : processors) {
            closeQuietly(p.selector);
        }
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
