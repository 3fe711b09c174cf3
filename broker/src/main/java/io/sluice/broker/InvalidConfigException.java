package io.sluice.broker;

/** A configuration key that is unknown or a value that is missing, malformed or out of range. */
public class InvalidConfigException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
