package io.sluice.broker.internal.remote;

import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRebalanceListener;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.TimestampType;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.WakeupException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** {@link Consumer} over Kafka's consumer: sluice's records and offsets, Kafka's protocol and group protocol. */
public final class RemoteConsumer implements Consumer {
    private final KafkaConsumer<byte[], byte[]> consumer;

    public RemoteConsumer(Properties properties) {
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static org.apache.kafka.common.TopicPartition kafka(TopicPartition tp) {
        return new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition());
    }

    private static TopicPartition sluice(org.apache.kafka.common.TopicPartition tp) {
        return new TopicPartition(tp.topic(), tp.partition());
    }

    private static List<org.apache.kafka.common.TopicPartition> kafka(Collection<TopicPartition> partitions) {
        return partitions.stream().map(RemoteConsumer::kafka).toList();
    }

    private static Set<TopicPartition> sluice(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        Set<TopicPartition> out = new LinkedHashSet<>();
        partitions.forEach(tp -> out.add(sluice(tp)));
        return out;
    }

    @Override
    public void subscribe(Collection<String> topics) {
        consumer.subscribe(topics);
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        consumer.subscribe(topics, new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                listener.onPartitionsRevoked(sluice(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                listener.onPartitionsAssigned(sluice(partitions));
            }

            @Override
            public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                listener.onPartitionsLost(sluice(partitions));
            }
        });
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        consumer.assign(kafka(partitions));
    }

    @Override
    public void unsubscribe() {
        consumer.unsubscribe();
    }

    @Override
    public Set<TopicPartition> assignment() {
        return sluice(consumer.assignment());
    }

    @Override
    public Set<String> subscription() {
        return consumer.subscription();
    }

    @Override
    public List<ConsumerRecord> poll(Duration timeout) {
        List<ConsumerRecord> records = new ArrayList<>();
        try {
            for (var r : consumer.poll(timeout)) {
                List<Header> headers = new ArrayList<>();
                r.headers().forEach(h -> headers.add(new Header(h.key(), h.value())));
                records.add(new ConsumerRecord(r.topic(), r.partition(), r.offset(), r.timestamp(),
                        r.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME, r.key(), r.value(),
                        headers));
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            throw new WakeupException("Woken up while polling", e);
        }
        return records;
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        consumer.seek(kafka(partition), offset);
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        consumer.seekToBeginning(kafka(partitions));
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        consumer.seekToEnd(kafka(partitions));
    }

    @Override
    public long position(TopicPartition partition) {
        return consumer.position(kafka(partition));
    }

    @Override
    public OptionalLong currentLag(TopicPartition partition) {
        return consumer.currentLag(kafka(partition));
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        consumer.pause(kafka(partitions));
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        consumer.resume(kafka(partitions));
    }

    @Override
    public Set<TopicPartition> paused() {
        return sluice(consumer.paused());
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        consumer.committed(new LinkedHashSet<>(kafka(partitions))).forEach((tp, o) -> out.put(sluice(tp),
                o == null ? null : new OffsetAndMetadata(o.offset(), o.metadata())));
        return out;
    }

    @Override
    public void commitSync() {
        try {
            consumer.commitSync();
        } catch (org.apache.kafka.clients.consumer.CommitFailedException
                 | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            throw commitFailed(e);
        }
    }

    /** A commit the group refused (a rebalance under way, or this member no longer in it), as sluice names it. */
    private static io.sluice.broker.CommitFailedException commitFailed(RuntimeException e) {
        return new io.sluice.broker.CommitFailedException("Commit refused by the group: " + e.getMessage());
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> kafka =
                new LinkedHashMap<>();
        offsets.forEach((tp, o) -> kafka.put(kafka(tp), new org.apache.kafka.clients.consumer.OffsetAndMetadata(
                o.offset(), o.metadata())));
        try {
            consumer.commitSync(kafka);
        } catch (org.apache.kafka.clients.consumer.CommitFailedException
                 | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            throw commitFailed(e);
        }
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        consumer.beginningOffsets(kafka(partitions)).forEach((tp, o) -> out.put(sluice(tp), o));
        return out;
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        consumer.endOffsets(kafka(partitions)).forEach((tp, o) -> out.put(sluice(tp), o));
        return out;
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        Map<org.apache.kafka.common.TopicPartition, Long> query = new LinkedHashMap<>();
        timestamps.forEach((tp, t) -> query.put(kafka(tp), t));
        Map<TopicPartition, OffsetAndTimestamp> out = new LinkedHashMap<>();
        consumer.offsetsForTimes(query).forEach((tp, o) -> out.put(sluice(tp),
                o == null ? null : new OffsetAndTimestamp(o.offset(), o.timestamp())));
        return out;
    }

    @Override
    public List<TopicPartition> partitionsFor(String topic) {
        var partitions = consumer.partitionsFor(topic);
        if (partitions == null || partitions.isEmpty()) {
            throw new io.sluice.broker.UnknownTopicException(topic);
        }
        return partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
