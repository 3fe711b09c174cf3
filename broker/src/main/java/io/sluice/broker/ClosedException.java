package io.sluice.broker;

/** An operation on a producer, consumer, admin client or broker that has been closed. */
public class ClosedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String what) {
        super("Already closed: " + what);
    }
}
