package io.sluice.broker;

/**
 * A send that would have to wait for room in the broker's ingest ring, made from a broker thread — a send or
 * completion callback — which must not wait: the thread that makes room may be the one waiting.
 */
public class BufferExhaustedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public BufferExhaustedException(String message) {
        super(message);
    }
}
