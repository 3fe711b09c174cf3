package io.sluice.broker;

/**
 * The base of every error sluice raises. Messages are shaped {@code what: key=value, …} and name the topic,
 * partition, offset, file or config key involved.
 */
public class SluiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SluiceException(String message) {
        super(message);
    }

    public SluiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
