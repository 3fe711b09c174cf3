package io.sluice.engine.internal.task;

import io.sluice.engine.Record;
import io.sluice.engine.Serde;
import io.sluice.engine.TimestampExtractor;
import io.sluice.engine.internal.topology.NodeSpec;

/** Feeds the deserialized records of one topic to its children. */
final class SourceNode extends Node {
    final String topic;
    @SuppressWarnings("rawtypes")
    final Serde keySerde;
    @SuppressWarnings("rawtypes")
    final Serde valueSerde;
    @SuppressWarnings("rawtypes")
    final TimestampExtractor extractor;

    SourceNode(NodeSpec.Source spec) {
        super(spec.name());
        this.topic = spec.topic();
        this.keySerde = spec.keySerde();
        this.valueSerde = spec.valueSerde();
        this.extractor = spec.timestampExtractor();
    }

    @Override
    void process(Record<Object, Object> record) {
        forwardToChildren(record);
    }
}
