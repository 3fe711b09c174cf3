package io.sluice.broker.internal.net;

import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.topic.Topic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

/**
 * Consumer groups over the network: this broker coordinates every group (FindCoordinator), keeps committed offsets
 * in its compacted offsets topic (OffsetCommit, OffsetFetch) and lists its groups. Membership is
 * {@link ClassicGroups}'; commits are taken from the members of the current generation, and from consumers outside
 * membership (generation -1, those that {@code assign}) while no member owns the group.
 */
final class GroupHandler {
    private final BrokerCore core;
    private final Supplier<Listener> advertised;
    private final ClassicGroups classic;

    GroupHandler(BrokerCore core, Supplier<Listener> advertised, ClassicGroups classic) {
        this.core = core;
        this.advertised = advertised;
        this.classic = classic;
    }

    ApiMessage findCoordinator(FindCoordinatorRequestData request, short version) {
        Listener address = advertised.get();
        boolean group = request.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        Errors error = group ? Errors.NONE : Errors.INVALID_REQUEST;
        String message = group ? null : "only group coordinators are served (no transactions)";
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (version < 4) {
            return response.setErrorCode(error.code()).setErrorMessage(version >= 1 ? message : null)
                    .setNodeId(group ? RequestHandler.NODE_ID : -1).setHost(group ? address.host() : "")
                    .setPort(group ? address.port() : -1);
        }
        for (String key : request.coordinatorKeys()) {
            response.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                    .setErrorCode(error.code()).setErrorMessage(message)
                    .setNodeId(group ? RequestHandler.NODE_ID : -1).setHost(group ? address.host() : "")
                    .setPort(group ? address.port() : -1));
        }
        return response;
    }

    ApiMessage offsetCommit(OffsetCommitRequestData request) {
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        // A consumer outside membership (generation -1) may commit unless members own the group; a member only in
        // its current generation.
        Errors memberError = request.generationIdOrMemberEpoch() < 0
                ? (classic.hasMembers(request.groupId()) ? Errors.UNKNOWN_MEMBER_ID : Errors.NONE)
                : classic.checkMember(request.groupId(), request.memberId(), request.generationIdOrMemberEpoch());
        Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : request.topics()) {
            Topic topic = TopicLookup.find(core, t.name(), t.topicId());
            OffsetCommitResponseData.OffsetCommitResponseTopic out =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
            response.topics().add(out);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                Errors error = Errors.NONE;
                if (memberError != Errors.NONE) {
                    error = memberError;
                } else if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitionCount()) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (p.committedOffset() < 0) {
                    error = Errors.INVALID_COMMIT_OFFSET_SIZE;
                } else {
                    commit.put(new TopicPartition(topic.name(), p.partitionIndex()),
                            new OffsetAndMetadata(p.committedOffset(), p.committedMetadata()));
                }
                out.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
        }
        if (!commit.isEmpty()) {
            core.groups().commit(request.groupId(), commit);
        }
        return response;
    }

    ApiMessage offsetFetch(OffsetFetchRequestData request, short version) {
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version < 8) {
            OffsetFetchResponseData.OffsetFetchResponseGroup group = fetchGroup(request.groupId(),
                    request.topics() == null ? null : request.topics().stream().map(t -> Map.entry(t.name(),
                            t.partitionIndexes())).toList());
            for (OffsetFetchResponseData.OffsetFetchResponseTopics t : group.topics()) {
                OffsetFetchResponseData.OffsetFetchResponseTopic topic = new OffsetFetchResponseData
                        .OffsetFetchResponseTopic().setName(t.name());
                for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                    topic.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                            .setMetadata(p.metadata()).setErrorCode(p.errorCode()));
                }
                response.topics().add(topic);
            }
            return response;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : request.groups()) {
            response.groups().add(fetchGroup(g.groupId(), g.topics() == null ? null : g.topics().stream()
                    .map(t -> Map.entry(t.name(), t.partitionIndexes())).toList()));
        }
        return response;
    }

    /** A group's committed offsets: of the partitions asked for, or all of them when {@code topics} is null. */
    private OffsetFetchResponseData.OffsetFetchResponseGroup fetchGroup(
            String groupId, List<Map.Entry<String, List<Integer>>> topics) {
        Map<TopicPartition, OffsetAndMetadata> committed = core.groups().committed(groupId);
        Map<String, Map<Integer, OffsetAndMetadata>> wanted = new LinkedHashMap<>();
        if (topics == null) {
            committed.forEach((tp, o) -> wanted.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                    .put(tp.partition(), o));
        } else {
            for (Map.Entry<String, List<Integer>> t : topics) {
                Map<Integer, OffsetAndMetadata> partitions = wanted.computeIfAbsent(t.getKey(),
                        k -> new LinkedHashMap<>());
                for (int p : t.getValue()) {
                    // No partition a client can name wrongly has a commit: -1, as Kafka answers.
                    partitions.put(p, t.getKey() == null || p < 0 ? null
                            : committed.get(new TopicPartition(t.getKey(), p)));
                }
            }
        }
        OffsetFetchResponseData.OffsetFetchResponseGroup group = new OffsetFetchResponseData
                .OffsetFetchResponseGroup().setGroupId(groupId);
        wanted.forEach((topic, partitions) -> {
            OffsetFetchResponseData.OffsetFetchResponseTopics out = new OffsetFetchResponseData
                    .OffsetFetchResponseTopics().setName(topic);
            partitions.forEach((p, o) -> out.partitions().add(new OffsetFetchResponseData
                    .OffsetFetchResponsePartitions().setPartitionIndex(p)
                    .setCommittedOffset(o == null ? -1 : o.offset()).setMetadata(o == null ? "" : o.metadata())));
            group.topics().add(out);
        });
        return group;
    }

    static String stateName(ClassicGroups.State state) {
        return switch (state) {
            case EMPTY -> "Empty";
            case PREPARING_REBALANCE -> "PreparingRebalance";
            case COMPLETING_REBALANCE -> "CompletingRebalance";
            case STABLE -> "Stable";
        };
    }

    /**
     * Groups with members over the network as the classic protocol has them; groups known only by their committed
     * offsets (or run by embedded jobs) as Empty, without members.
     */
    ApiMessage describeGroups(org.apache.kafka.common.message.DescribeGroupsRequestData request, short version) {
        var response = new org.apache.kafka.common.message.DescribeGroupsResponseData();
        for (String id : request.groups()) {
            var described = classic.describe(id, version);
            if (described == null) {
                boolean known = core.groups().groupIds().contains(id);
                described = new org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup()
                        .setGroupId(id).setGroupState(known ? "Empty" : "Dead").setProtocolType(known ? "consumer" : "")
                        .setProtocolData("");
            }
            response.groups().add(described);
        }
        return response;
    }

    ApiMessage listGroups(short version) {
        ListGroupsResponseData response = new ListGroupsResponseData();
        Map<String, ClassicGroups.State> networkGroups = classic.states();
        java.util.Set<String> ids = new java.util.TreeSet<>(core.groups().groupIds());
        ids.addAll(networkGroups.keySet());
        for (String id : ids) {
            ListGroupsResponseData.ListedGroup g = new ListGroupsResponseData.ListedGroup().setGroupId(id)
                    .setProtocolType("consumer");
            if (version >= 4) {
                ClassicGroups.State state = networkGroups.get(id);
                g.setGroupState(state != null ? stateName(state)
                        : core.groups().members(id).isEmpty() ? "Empty" : "Stable");
            }
            if (version >= 5) {
                g.setGroupType("classic");
            }
            response.groups().add(g);
        }
        return response;
    }

    /** DeleteGroups: a group without members loses its committed offsets; one with members is refused. */
    ApiMessage deleteGroups(org.apache.kafka.common.message.DeleteGroupsRequestData request) {
        var response = new org.apache.kafka.common.message.DeleteGroupsResponseData();
        for (String id : request.groupsNames()) {
            Errors error = Errors.NONE;
            try {
                core.groups().deleteGroup(id);
            } catch (io.sluice.broker.GroupNotEmptyException e) {
                error = Errors.NON_EMPTY_GROUP;
            } catch (io.sluice.broker.UnknownGroupException e) {
                error = Errors.GROUP_ID_NOT_FOUND;
            }
            if (response.results().find(id) == null) {
                response.results().add(new org.apache.kafka.common.message.DeleteGroupsResponseData
                        .DeletableGroupResult().setGroupId(id).setErrorCode(error.code()));
            }
        }
        return response;
    }
}
