package io.sluice.broker;

/**
 * A commit from a consumer that is no longer a member of its group — it did not poll within
 * {@code max.poll.interval.ms}, so its partitions went to others, whose commits must not be overwritten. Nothing
 * was committed; the consumer rejoins at its next poll.
 */
public class CommitFailedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public CommitFailedException(String message) {
        super(message);
    }
}
