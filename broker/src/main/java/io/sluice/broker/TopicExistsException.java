package io.sluice.broker;

/** A topic with this name already exists. */
public class TopicExistsException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public TopicExistsException(String topic) {
        super("Topic already exists: topic=" + topic);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
