package io.sluice.broker;

/** A topic name that breaks Kafka's naming rules (legal characters, length, reserved names). */
public class InvalidTopicException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        super(message);
    }

    public InvalidTopicException(String message, Throwable cause) {
        super(message, cause);
    }
}
