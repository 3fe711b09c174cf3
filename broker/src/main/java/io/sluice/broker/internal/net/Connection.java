package io.sluice.broker.internal.net;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, served by one network thread: the frame being read, the request being answered, the
 * responses waiting to be written. Every method but {@link InFlight#accept} runs on that network thread.
 *
 * <p>One request at a time, as a Kafka broker serves a connection: the next is read once the response to the last
 * is written, which keeps responses in request order while handlers complete on other threads, and keeps what a
 * client that does not read its responses can make the broker hold to one response.
 *
 * <p>A frame's memory is taken from {@link RequestMemory} as its bytes arrive — a first chunk, then doubling — so
 * that a size prefix alone costs nothing; a frame that does not fit waits, unread. While a request is answered the
 * connection still reads, up to the four bytes of the next size prefix, so that a client that goes away is seen at
 * once: its connection is closed and a request parked for it (a fetch waiting for records) dropped. A frame that is
 * not a request closes the connection once the responses before it are written.
 */
final class Connection {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** A frame's first allocation; a larger one grows, doubling, as its bytes arrive. */
    static final int FIRST_CHUNK_BYTES = 64 * 1024;

    /** What a connection needs from its server and its network thread. */
    interface Context {
        RequestHandler handler();

        RequestMemory memory();

        int maxRequestBytes();

        RequestTimes requestTimes();

        /** The network thread's buffer for a frame's first bytes, before the frame has one of its own. */
        ByteBuffer scratch();

        /** Runs {@code task} on this connection's network thread. */
        void execute(Runnable task);

        boolean onNetworkThread();

        /** Logs a warning, at a bounded rate per kind. */
        void warn(String kind, String message);

        /** The connection is closed: its counts are released. */
        void closed(Connection connection);
    }

    private final Context context;
    private final SocketChannel channel;
    private final SelectionKey key;
    final String peer;
    final InetAddress address;
    private final SocketTransfer transfer;
    private final ByteBuffer size = ByteBuffer.allocate(4);
    /** The length of the frame being read, or -1 before its size prefix is whole. */
    private int frameLength = -1;
    /** Its bytes so far; null before its first chunk. */
    private ByteBuffer frame;
    /** What its buffer holds of {@link RequestMemory}. */
    private int frameReserved;
    private final ArrayDeque<Send> out = new ArrayDeque<>();
    private InFlight inFlight;
    private boolean waitingForMemory;
    /** Set when a bad frame was read: nothing more is read, and the connection closes once {@link #out} is empty. */
    private String closeAfterWrite;
    /**
     * After the last response of a connection that is closing: our side is shut, what the client still sends is
     * read and dropped until it closes too (or a moment passes). Closing at once with its bytes unread would make
     * the kernel reset the connection, and a reset can throw away the responses the client has not read yet.
     */
    private long lingerUntilNanos;
    static final long LINGER_NANOS = 5_000_000_000L;
    private long lastActiveNanos = System.nanoTime();
    private boolean open = true;

    Connection(Context context, SocketChannel channel, SelectionKey key, String peer, InetAddress address) {
        this.context = context;
        this.channel = channel;
        this.key = key;
        this.peer = peer;
        this.address = address;
        this.transfer = new SocketTransfer(channel);
    }

    /** Nanoseconds since it last read or wrote a byte or answered a request. */
    long idleNanos(long now) {
        return now - lastActiveNanos;
    }

    /** Whether it waits on the broker (an answer, or memory), not on its client: then it is not idle. */
    boolean waitsOnBroker() {
        return inFlight != null || waitingForMemory;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Reads what has arrived: whole frames become requests, one at a time. */
    void read() throws IOException {
        if (lingerUntilNanos != 0) {
            drain();
            return;
        }
        // Busy when the selector woke it: then what it reads is the client's next bytes, or its going away. Just
        // after a request is handed on, the selector says when there is more; a read now would mostly find none.
        boolean busy = inFlight != null || !out.isEmpty();
        while (open && inFlight == null && out.isEmpty() && closeAfterWrite == null && !waitingForMemory) {
            if (!readFrame()) {
                break;
            }
        }
        if (busy && open && (inFlight != null || !out.isEmpty()) && closeAfterWrite == null) {
            watchForClose();
        }
        updateInterest();
    }

    /** Reads towards a whole frame and hands it on; false when it must wait (for bytes or memory). */
    private boolean readFrame() throws IOException {
        if (frameLength < 0) {
            if (readInto(size) < 0 || size.hasRemaining()) {
                return false;
            }
            int length = size.flip().getInt();
            size.clear();
            if (length <= 0 || length > context.maxRequestBytes()) {
                closeAfterWriting("request frame of " + length + " bytes (socket.request.max.bytes is "
                        + context.maxRequestBytes() + ")");
                return false;
            }
            frameLength = length;
        }
        while (true) {
            if ((frame == null || !frame.hasRemaining()) && !grow()) {
                return false;
            }
            if (frame.hasRemaining() && readInto(frame) <= 0) {
                return false;
            }
            if (frame.position() == frameLength) {
                dispatch();
                return true;
            }
            if (frame.hasRemaining()) {
                return false; // the socket has no more for now
            }
        }
    }

    /** Reads into {@code buffer}; -1 (and the connection closed) at the end of the stream. */
    private int readInto(ByteBuffer buffer) throws IOException {
        int n = channel.read(buffer);
        if (n < 0) {
            closeQuietly();
        } else if (n > 0) {
            lastActiveNanos = System.nanoTime();
        }
        return n;
    }

    /**
     * Gives the frame room for more of its bytes, if memory allows; else waits for it, unread. Its first chunk is
     * allocated only once its first bytes are there — read through the network thread's scratch buffer — so that a
     * size prefix alone holds no memory.
     */
    private boolean grow() throws IOException {
        int capacity = frame == null ? 0 : frame.capacity();
        int next = frame == null ? Math.min(frameLength, FIRST_CHUNK_BYTES)
                : (int) Math.min(frameLength, 2L * capacity);
        if (!context.memory().reserveOrWait(this, next - capacity, () -> context.execute(this::memoryFreed))) {
            waitingForMemory = true;
            return false;
        }
        ByteBuffer first = null;
        if (frame == null) {
            first = context.scratch();
            first.clear().limit(next);
            int n;
            try {
                n = readInto(first);
            } catch (IOException e) {
                context.memory().dropped(this, next);
                throw e;
            }
            if (n <= 0) {
                context.memory().dropped(this, next); // nothing arrived: nothing held
                return false;
            }
        }
        frameReserved += next - capacity;
        ByteBuffer bigger;
        try {
            bigger = ByteBuffer.allocate(next);
        } catch (OutOfMemoryError e) {
            close("no heap left for a request frame of " + frameLength + " bytes");
            return false;
        }
        bigger.put(first != null ? first.flip() : frame.flip());
        frame = bigger;
        return true;
    }

    private void memoryFreed() {
        if (open && waitingForMemory) {
            waitingForMemory = false;
            updateInterest(); // the bytes the client sent meanwhile wait in the socket: the selector says so
        }
    }

    /** While a request is answered: reads up to the next size prefix only, to see the client go. */
    private void watchForClose() throws IOException {
        if (size.hasRemaining() && readInto(size) < 0) {
            log.debug("Client went away while its request was answered: peer={}", peer);
        }
    }

    private void dispatch() {
        ByteBuffer request = frame.flip();
        short apiKey = request.remaining() >= 2 ? request.getShort(request.position()) : -1;
        InFlight answer = new InFlight(frameReserved, apiKey, System.nanoTime());
        context.memory().handing(this, frameReserved);
        frame = null;
        frameReserved = 0;
        frameLength = -1;
        inFlight = answer;
        try {
            context.handler().handle(request, peer, answer);
        } catch (RequestHandler.BadFrameException e) {
            answer.accept(null);
            closeAfterWriting(e.getMessage());
        }
    }

    /** On the network thread: the request's response (none for acks=0) is queued, and reading goes on. */
    private void answered(InFlight answer, Send response) {
        if (inFlight != answer) {
            return; // dropped with its connection
        }
        inFlight = null;
        if (!open) {
            return;
        }
        if (response != null) {
            out.add(response);
        }
        lastActiveNanos = System.nanoTime();
        context.requestTimes().record(answer.apiKey, lastActiveNanos - answer.receivedNanos);
        try {
            write();
        } catch (IOException e) {
            closeQuietly();
            log.debug("Connection closed: peer={}, cause={}", peer, e.toString());
        } catch (RuntimeException e) {
            close("connection error: " + e);
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    void write() throws IOException {
        if (lingerUntilNanos != 0) {
            return;
        }
        while (!out.isEmpty()) {
            Send next = out.peek();
            long before = transfer.written;
            next.writeTo(transfer);
            if (transfer.written != before) {
                lastActiveNanos = System.nanoTime();
            }
            if (!next.completed()) {
                break;
            }
            out.poll();
        }
        if (out.isEmpty() && closeAfterWrite != null) {
            finishClosing();
            return;
        }
        updateInterest(); // reading again, if the answer is out: the selector says when the next request is there
    }

    private void updateInterest() {
        if (!key.isValid() || lingerUntilNanos != 0) {
            return;
        }
        boolean idle = inFlight == null && out.isEmpty();
        boolean reads = closeAfterWrite == null && !waitingForMemory && (idle || size.hasRemaining());
        key.interestOps((reads ? SelectionKey.OP_READ : 0) | (out.isEmpty() ? 0 : SelectionKey.OP_WRITE));
    }

    // ------------------------------------------------------------------------------------------------ closing

    /** Reads nothing more; closes once the responses before it are written. */
    private void closeAfterWriting(String why) {
        closeAfterWrite = why;
        if (out.isEmpty() && inFlight == null) {
            finishClosing();
        }
    }

    /** Everything is written: shuts our side and lingers, dropping what the client still sends. */
    private void finishClosing() {
        if (lingerUntilNanos != 0 || !open) {
            return;
        }
        context.warn("close", "Closing connection: peer=" + peer + ", reason=" + LogSafe.text(closeAfterWrite));
        lingerUntilNanos = System.nanoTime() + LINGER_NANOS;
        try {
            channel.shutdownOutput();
            drain();
        } catch (IOException e) {
            closeQuietly();
            return;
        }
        if (key.isValid()) {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void drain() throws IOException {
        ByteBuffer scratch = context.scratch();
        int n;
        do {
            scratch.clear();
            n = channel.read(scratch);
        } while (n > 0);
        if (n < 0) {
            closeQuietly();
        }
    }

    /** Whether it has lingered long enough after closing its side. */
    boolean lingeredOut(long now) {
        return lingerUntilNanos != 0 && now - lingerUntilNanos > 0;
    }

    void close(String why) {
        if (open) {
            context.warn("close", "Closing connection: peer=" + peer + ", reason=" + LogSafe.text(why));
        }
        closeQuietly();
    }

    /** Closes the socket; a request still being answered is dropped, and what it parked is cancelled. */
    void closeQuietly() {
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (!open) {
            return;
        }
        open = false;
        if (frameReserved > 0) {
            context.memory().dropped(this, frameReserved);
            frameReserved = 0;
        }
        frame = null;
        out.clear();
        InFlight dropped = inFlight;
        inFlight = null;
        if (dropped != null) {
            dropped.drop();
        }
        context.closed(this);
    }

    boolean isOpen() {
        return open;
    }

    /**
     * The request being answered: where its response goes, from any thread, once — and what to cancel should its
     * connection go first. Its frame's memory is given back when it is answered, for until then the handler may hold
     * the frame's bytes (a produce's batch, in the journal's ring).
     */
    final class InFlight implements RequestHandler.Responder {
        private final int bytes;
        private final short apiKey;
        private final long receivedNanos;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile Runnable onDrop;

        InFlight(int bytes, short apiKey, long receivedNanos) {
            this.bytes = bytes;
            this.apiKey = apiKey;
            this.receivedNanos = receivedNanos;
        }

        @Override
        public void accept(Send response) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            context.memory().handled(bytes);
            if (context.onNetworkThread()) {
                // Answered on the connection's own thread (most requests): written now, without a wake-up.
                answered(this, response);
            } else {
                context.execute(() -> answered(this, response));
            }
        }

        @Override
        public void onDrop(Runnable cancel) {
            onDrop = cancel;
        }

        private void drop() {
            Runnable cancel = onDrop;
            if (cancel != null && !answered.get()) {
                try {
                    cancel.run();
                } catch (RuntimeException e) {
                    log.warn("Cancelling a dropped request failed: peer={}", peer, e);
                }
            }
        }
    }

    /** The socket as Kafka's {@link Send}s write to it: buffers gathered, file regions transferred (sendfile). */
    private static final class SocketTransfer implements TransferableChannel {
        private final SocketChannel channel;
        long written;

        SocketTransfer(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel file, long position, long count) throws IOException {
            return count(file.transferTo(position, count, channel));
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return (int) count(channel.write(src));
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return count(channel.write(srcs, offset, length));
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return count(channel.write(srcs));
        }

        private long count(long n) {
            written += Math.max(0, n);
            return n;
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
