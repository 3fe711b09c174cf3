package io.sluice.engine.internal.task;

import io.sluice.engine.ProcessingException;
import io.sluice.engine.Record;
import io.sluice.engine.Serde;
import io.sluice.engine.StreamPartitioner;
import io.sluice.engine.internal.topology.NodeSpec;

/** Serializes records and hands them to the collector for one topic. */
final class SinkNode extends Node {
    private final Task task;
    private final String topic;
    @SuppressWarnings("rawtypes")
    private final Serde keySerde;
    @SuppressWarnings("rawtypes")
    private final Serde valueSerde;
    @SuppressWarnings("rawtypes")
    private final StreamPartitioner partitioner;

    SinkNode(NodeSpec.Sink spec, Task task) {
        super(spec.name());
        this.task = task;
        this.topic = spec.topic();
        this.keySerde = spec.keySerde();
        this.valueSerde = spec.valueSerde();
        this.partitioner = spec.partitioner();
    }

    @Override
    void process(Record<Object, Object> record) {
        if (task.profiling()) {
            long start = task.startTimed();
            try {
                write(record);
            } finally {
                task.endTimed(name, start);
            }
            task.recordEndToEnd(record.timestamp());
        } else {
            write(record);
        }
    }

    @SuppressWarnings("unchecked")
    private void write(Record<Object, Object> record) {
        byte[] key;
        byte[] value;
        int partition = RecordCollector.BY_KEY;
        try {
            key = keySerde.serialize(record.key());
            value = valueSerde.serialize(record.value());
            if (partitioner != null) {
                int count = task.collector().partitionCount(topic);
                partition = partitioner.partition(record.key(), record.value(), count);
                if (partition < 0 || partition >= count) {
                    throw new IllegalArgumentException("Partitioner returned partition " + partition + " of "
                            + count);
                }
            }
        } catch (RuntimeException e) {
            throw new ProcessingException("Cannot write a record to topic " + topic + " (check the serdes given for "
                    + "it: key " + keySerde.name() + ", value " + valueSerde.name() + ")", name, task.id(),
                    task.currentTopic(), task.currentPartition(), task.currentOffset(), e);
        }
        task.collector().send(topic, partition, key, value, record.timestamp(), record.headers());
    }
}
