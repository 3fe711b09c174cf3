package io.sluice.broker;

/** A record the topic cannot accept as it is, such as a record without a key on a compacted topic. */
public class InvalidRecordException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public InvalidRecordException(String message) {
        super(message);
    }
}
