package io.sluice.engine;

import io.sluice.broker.SluiceException;

/** A record failed in an operator: names the operator, task, and the input record's topic, partition and offset. */
public final class ProcessingException extends SluiceException {
    private final String operator;
    private final String topic;
    private final int partition;
    private final long offset;

    public ProcessingException(String what, String operator, TaskId task, String topic, int partition, long offset,
                               Throwable cause) {
        super(what + ": operator=" + operator + ", task=" + task + ", topic=" + topic + ", partition=" + partition
                + ", offset=" + offset + (cause == null ? "" : ", error=" + cause), cause);
        this.operator = operator;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public String operator() {
        return operator;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
