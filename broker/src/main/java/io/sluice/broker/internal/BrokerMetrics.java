package io.sluice.broker.internal;

import io.sluice.broker.Metric;
import io.sluice.broker.Metric.Type;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker's metrics as of now: per partition traffic and extent, per group committed offsets and lag, and the
 * partitions whose logs cannot be written.
 *
 * <p>Storage failures are counted both ways: one broker-wide gauge of the partitions refusing writes now — the
 * series an alert watches, whatever the number of partitions — and, per partition next to {@code records-in}, the
 * records refused, which says where writes were lost.
 */
public final class BrokerMetrics {
    private BrokerMetrics() {
    }

    public static List<Metric> collect(BrokerCore core) {
        List<Metric> metrics = new ArrayList<>();
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        int storageFailed = 0;
        for (Topic topic : core.registry().topics()) {
            for (Partition partition : topic.partitions()) {
                PartitionLog log = partition.log();
                TopicPartition tp = partition.topicPartition();
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("topic", tp.topic());
                tags.put("partition", Integer.toString(tp.partition()));
                metrics.add(new Metric("records-in", "Records appended to the partition since the broker started",
                        Type.COUNTER, tags, log.recordsAppended()));
                metrics.add(new Metric("bytes-in", "Bytes appended to the partition's log since the broker started",
                        Type.COUNTER, tags, log.bytesAppended()));
                metrics.add(new Metric("records-out", "Records consumers took from the partition",
                        Type.COUNTER, tags, log.recordsRead()));
                metrics.add(new Metric("bytes-out", "Bytes read from the partition's log for consumers",
                        Type.COUNTER, tags, log.bytesRead()));
                metrics.add(new Metric("log-end-offset", "The offset the next record will get", Type.GAUGE,
                        tags, log.highWatermark()));
                metrics.add(new Metric("log-start-offset", "The first offset still stored", Type.GAUGE,
                        tags, log.logStartOffset()));
                metrics.add(new Metric("log-size-bytes", "Bytes the partition's log holds on disk", Type.GAUGE,
                        tags, log.sizeInBytes()));
                metrics.add(new Metric("records-refused-storage", "Records failed because the partition's log could "
                        + "not be written or fsynced, or while it refused writes after that, since the broker started",
                        Type.COUNTER, tags, partition.writer().recordsRefused()));
                if (partition.writer().storageFailed()) {
                    storageFailed++;
                }
                ends.put(tp, log.highWatermark());
            }
        }
        metrics.add(new Metric("partitions-storage-failed", "Partitions refusing writes now because their logs could "
                + "not be written or fsynced (a full disk, most often); each retries with backoff", Type.GAUGE,
                Map.of(), storageFailed));
        for (String group : core.groups().groupIds()) {
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : core.groups().committed(group).entrySet()) {
                Long end = ends.get(e.getKey());
                if (end == null) {
                    continue; // a deleted topic
                }
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("group", group);
                tags.put("topic", e.getKey().topic());
                tags.put("partition", Integer.toString(e.getKey().partition()));
                metrics.add(new Metric("group-committed-offset", "The group's committed offset", Type.GAUGE, tags,
                        e.getValue().offset()));
                metrics.add(new Metric("group-lag", "Records between the group's committed offset and the end",
                        Type.GAUGE, tags, Math.max(0, end - e.getValue().offset())));
            }
        }
        return metrics;
    }
}
