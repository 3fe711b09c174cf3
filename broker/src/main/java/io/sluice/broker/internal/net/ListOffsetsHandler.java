package io.sluice.broker.internal.net;

import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.Topic;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/**
 * ListOffsets: a partition's earliest offset (-2, and -4: all of it is local), its latest (-1: the high watermark),
 * or the first offset whose record is at or after a timestamp. The offset of the largest timestamp (-3) and tiered
 * storage (-5) are not served.
 */
final class ListOffsetsHandler {
    private final BrokerCore core;

    ListOffsetsHandler(BrokerCore core) {
        this.core = core;
    }

    ListOffsetsResponse handle(ListOffsetsRequest request, short version) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic t : request.data().topics()) {
            Topic topic = TopicLookup.find(core, t.name(), null);
            ListOffsetsResponseData.ListOffsetsTopicResponse out = new ListOffsetsResponseData
                    .ListOffsetsTopicResponse().setName(t.name());
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse r = new ListOffsetsResponseData
                        .ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex()).setTimestamp(-1)
                        .setOffset(-1);
                out.partitions().add(r);
                if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitionCount()) {
                    r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                PartitionLog log = topic.partition(p.partitionIndex()).log();
                long timestamp = p.timestamp();
                if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
                        || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                    r.setOffset(log.logStartOffset()).setLeaderEpoch(version >= 4 ? 0 : -1);
                } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
                    r.setOffset(log.highWatermark()).setLeaderEpoch(version >= 4 ? 0 : -1);
                } else if (timestamp >= 0) {
                    OffsetAndTimestamp found = log.offsetForTimestamp(timestamp);
                    if (found != null) {
                        r.setOffset(found.offset()).setTimestamp(found.timestamp())
                                .setLeaderEpoch(version >= 4 ? 0 : -1);
                    }
                } else {
                    r.setErrorCode(Errors.INVALID_REQUEST.code());
                }
            }
            response.topics().add(out);
        }
        return new ListOffsetsResponse(response);
    }
}
