package io.sluice.broker;

/** A record whose encoded size exceeds the topic's {@code max.message.bytes}. Nothing was written. */
public class RecordTooLargeException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public RecordTooLargeException(String topic, int sizeBytes, int maxMessageBytes) {
        super("Record too large: topic=" + topic + ", size=" + sizeBytes + " bytes, max.message.bytes="
                + maxMessageBytes);
    }
}
