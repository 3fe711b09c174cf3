package io.sluice.engine.internal.topology;

import io.sluice.engine.Processor;
import io.sluice.engine.Serde;
import io.sluice.engine.StreamPartitioner;
import io.sluice.engine.TimestampExtractor;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** A node of a topology as declared: a source, a processor or a sink. Immutable. */
public sealed interface NodeSpec {
    String name();

    List<String> parents();

    /** Reads one topic into the topology. */
    record Source(String name, String topic, Serde<?> keySerde, Serde<?> valueSerde,
                  TimestampExtractor<?, ?> timestampExtractor) implements NodeSpec {
        @Override
        public List<String> parents() {
            return List.of();
        }
    }

    /** Runs a processor, one instance per task, with access to {@code stores}. */
    record Operator(String name, Supplier<? extends Processor<?, ?>> supplier, List<String> parents,
                    Set<String> stores) implements NodeSpec {
    }

    /** Writes records to a topic; {@code partitioner} null means murmur2 of the serialized key. */
    record Sink(String name, String topic, Serde<?> keySerde, Serde<?> valueSerde,
                StreamPartitioner<?, ?> partitioner, List<String> parents) implements NodeSpec {
    }
}
