package io.sluice.broker;

/** The named topic does not exist. */
public class UnknownTopicException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public UnknownTopicException(String topic) {
        super("Unknown topic: topic=" + topic);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
