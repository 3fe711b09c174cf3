package io.sluice.broker.internal.net;

import io.sluice.broker.Metric;
import io.sluice.broker.StorageException;
import io.sluice.broker.internal.BrokerCore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Kafka protocol on one plaintext listener with {@code num.network.threads} network threads, each a
 * selector over its share of the connections: the first also accepts them and deals them out in turn.
 *
 * <pre>
 *   sluice-network-P-0 (accepts) ──► connections ──► RequestHandler ──► answered inline, or later from the
 *   sluice-network-P-1 …              (Connection)                       journal, timer or admin threads,
 *                                                                         handed back to the connection's thread
 * </pre>
 *
 * A network thread reads size-prefixed request frames ({@link Connection}), within the memory requests may hold
 * ({@code queued.max.request.bytes}), hands each to the {@link RequestHandler} and writes the responses back in
 * request order. Once a second it closes connections idle for {@code connections.max.idle.ms}. A client's bytes
 * never stop the server: a frame that is too large or unreadable closes that connection (logged at a bounded
 * rate), nothing else; a network thread outlives any error but the JVM's.
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
    private final RequestMemory memory;
    private final long idleNanos;
    private final WarningLimiter warnings = new WarningLimiter(log);
    private volatile boolean closed;

    private KafkaServer(ServerSocketChannel server, Selector[] selectors, RequestHandler handler,
                        io.sluice.broker.BrokerConfig config, Listener bound) {
        this.server = server;
        this.handler = handler;
        this.maxRequestBytes = config.socketRequestMaxBytes();
        this.maxConnections = config.maxConnections();
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
        this.memory = new RequestMemory(config.queuedMaxRequestBytes());
        this.idleNanos = config.connectionsMaxIdleMs() * 1_000_000L;
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

    /**
     * Requests served and their times, per kind of request, since the server started; the connections open and the
     * memory their requests hold now.
     */
    public List<Metric> metrics() {
        List<Metric> metrics = new java.util.ArrayList<>(requestTimes.metrics());
        metrics.add(new Metric("connections", "Client connections open", Metric.Type.GAUGE, Map.of(),
                connections.get()));
        metrics.add(new Metric("request-bytes", "Bytes the request frames being read and handled hold",
                Metric.Type.GAUGE, Map.of(), memory.used()));
        metrics.add(new Metric("request-bytes-limit", "The most bytes request frames may hold "
                + "(queued.max.request.bytes)", Metric.Type.GAUGE, Map.of(), memory.capacity()));
        return metrics;
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
                warnings.warn("refused", "Refusing a connection: peer=" + address + ", reason="
                        + (connections.get() >= maxConnections ? "max.connections (" + maxConnections + ") reached"
                        : "max.connections.per.ip (" + maxConnectionsPerIp + ") reached for " + address));
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
    private final class Processor implements Connection.Context {
        private final Selector selector;
        private final Thread thread;
        /** Responses finished off this thread, to be written by it. */
        private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
        private long lastIdleCheck = System.nanoTime();
        private final java.nio.ByteBuffer scratch = java.nio.ByteBuffer.allocate(Connection.FIRST_CHUNK_BYTES);

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

        @Override
        public void execute(Runnable task) {
            completions.add(task);
            selector.wakeup();
        }

        @Override
        public boolean onNetworkThread() {
            return Thread.currentThread() == thread;
        }

        @Override
        public RequestHandler handler() {
            return handler;
        }

        @Override
        public RequestMemory memory() {
            return memory;
        }

        @Override
        public int maxRequestBytes() {
            return maxRequestBytes;
        }

        @Override
        public RequestTimes requestTimes() {
            return requestTimes;
        }

        @Override
        public java.nio.ByteBuffer scratch() {
            return scratch;
        }

        @Override
        public void warn(String kind, String message) {
            warnings.warn(kind, message);
        }

        @Override
        public void closed(Connection connection) {
            release(connection.address);
        }

        private void run() {
            try {
                while (!closed) {
                    try {
                        serveOnce();
                    } catch (ClosedSelectorException e) {
                        throw e;
                    } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
                        // One connection's trouble, or a moment without memory: never the end of this thread.
                        log.error("Network thread error, serving on: listener={}, thread={}", bound,
                                thread.getName(), e);
                    }
                }
            } catch (ClosedSelectorException e) {
                // closing
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

        private void serveOnce() throws IOException {
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
            long now = System.nanoTime();
            if (now - lastIdleCheck > 1_000_000_000L) {
                lastIdleCheck = now;
                closeIdle(now);
                warnings.flush();
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
            } catch (RuntimeException | OutOfMemoryError e) {
                c.close("connection error: " + e);
            }
        }

        /** Closes connections that sent and read nothing for connections.max.idle.ms, and wait on nothing. */
        private void closeIdle(long now) {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Connection c && c.lingeredOut(now)) {
                    c.closeQuietly();
                } else if (key.attachment() instanceof Connection c && !c.waitsOnBroker()
                        && c.idleNanos(now) > idleNanos) {
                    log.debug("Closing idle connection: peer={}, idleMs={}, connections.max.idle.ms={}", c.peer,
                            c.idleNanos(now) / 1_000_000, idleNanos / 1_000_000);
                    c.closeQuietly();
                }
            }
        }

        private void runCompletions() {
            Runnable completion;
            while ((completion = completions.poll()) != null) {
                try {
                    completion.run();
                } catch (RuntimeException e) {
                    log.warn("A completion failed on the network thread: thread={}", thread.getName(), e);
                }
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
}
