package io.sluice.broker.internal.net;

import io.sluice.broker.ClosedException;
import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.InvalidPartitionException;
import io.sluice.broker.InvalidTopicException;
import io.sluice.broker.NewTopic;
import io.sluice.broker.TopicExistsException;
import io.sluice.broker.UnknownTopicException;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.client.EmbeddedAdmin;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.topic.PartitionLimitException;
import io.sluice.broker.internal.topic.PartitionLimits;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin APIs that change topics: CreateTopics, DeleteTopics, CreatePartitions, DeleteRecords — through the
 * same checks as the embedded {@code Admin} (internal topics cannot be deleted or changed). One broker: a
 * replication factor other than 1 (or -1, the default) and manual replica assignments are refused. A request that
 * adds more than {@value PartitionLimits#MAX_PER_REQUEST} partitions in all is refused as a whole, as by Kafka.
 *
 * <p>Topic changes, which may open thousands of partitions, run one at a time on the {@code sluice-admin} thread
 * ({@link #submit}) and are answered from there: the network threads go on serving meanwhile.
 */
final class AdminHandler {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final BrokerCore core;
    private final EmbeddedAdmin admin;
    private final ExecutorService changes = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sluice-admin");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean closed;

    AdminHandler(BrokerCore core) {
        this.core = core;
        this.admin = new EmbeddedAdmin(core);
    }

    /**
     * Makes a change on the admin thread and gives {@code reply} its response from there, or the response
     * {@code failed} makes of its exception. A change still queued when the server closes is dropped (its
     * connection is closing).
     */
    void submit(Supplier<ApiMessage> change, Function<RuntimeException, ApiMessage> failed,
                Consumer<ApiMessage> reply) {
        try {
            changes.execute(() -> {
                if (closed) {
                    return;
                }
                ApiMessage response;
                try {
                    response = change.get();
                } catch (RuntimeException e) {
                    log.warn("Admin request failed", e);
                    response = failed.apply(e);
                }
                reply.accept(response);
            });
        } catch (RejectedExecutionException e) {
            reply.accept(failed.apply(new ClosedException("broker")));
        }
    }

    /** Drops the queued changes and waits for the one in progress, which would leave nothing half done anyway. */
    void close() {
        closed = true;
        changes.shutdown();
        try {
            if (!changes.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("An admin request was still running when the server closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    ApiMessage createTopics(CreateTopicsRequestData request, short version) {
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        long requested = 0;
        for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
            requested += !t.assignments().isEmpty() ? t.assignments().size()
                    : t.numPartitions() == -1 ? core.config().numPartitions() : Math.max(0, t.numPartitions());
        }
        for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(t.name());
            response.topics().add(result);
            Map<String, String> configs = new LinkedHashMap<>();
            t.configs().forEach(c -> configs.put(c.name(), c.value()));
            int partitions = t.numPartitions() == -1 ? core.config().numPartitions() : t.numPartitions();
            try {
                core.registry().limits().checkRequest(t.name(), partitions, partitions, requested);
                if (t.replicationFactor() != -1 && t.replicationFactor() != 1) {
                    fail(result, Errors.INVALID_REPLICATION_FACTOR, "replication factor " + t.replicationFactor()
                            + " on a single broker: give 1");
                    continue;
                }
                if (!t.assignments().isEmpty()) {
                    fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, "replica assignments are not supported");
                    continue;
                }
                if (request.validateOnly()) {
                    TopicNames.validate(t.name());
                    if (core.registry().topic(t.name()) != null) {
                        throw new TopicExistsException(t.name());
                    }
                    if (partitions < 1) {
                        throw new InvalidPartitionException("Invalid partition count: " + partitions);
                    }
                    LogConfig.of(core.config().topicDefaults(), configs);
                } else {
                    admin.createTopic(new NewTopic(t.name(), partitions, configs));
                    Topic created = core.registry().topic(t.name());
                    if (version >= 7) {
                        result.setTopicId(Uuid.fromString(created.id()));
                    }
                }
                if (version >= 5) {
                    result.setNumPartitions(partitions).setReplicationFactor((short) 1);
                }
            } catch (RuntimeException e) {
                fail(result, errorFor(e), e.getMessage());
            }
        }
        return response;
    }

    ApiMessage deleteTopics(DeleteTopicsRequestData request, short version) {
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        Map<String, Uuid> wanted = new LinkedHashMap<>();
        request.topicNames().forEach(name -> wanted.put(name, Uuid.ZERO_UUID));
        request.topics().forEach(t -> wanted.put(t.name() != null ? t.name() : "", t.topicId()));
        wanted.forEach((name, id) -> {
            Topic topic = TopicLookup.find(core, name, id);
            // A topic not opened at start has no Topic: found by its recorded name or id, it can still be deleted.
            String unavailable = topic != null ? null : core.registry().isUnavailable(name) ? name
                    : id.equals(Uuid.ZERO_UUID) ? null : core.registry().unavailableTopicWithId(id.toString());
            String found = topic != null ? topic.name() : unavailable;
            DeleteTopicsResponseData.DeletableTopicResult result = new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(found == null ? (name.isEmpty() ? null : name) : found);
            if (version >= 6) {
                result.setTopicId(topic == null ? id : Uuid.fromString(topic.id()));
            }
            response.responses().add(result);
            if (found == null) {
                result.setErrorCode((name.isEmpty() ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION)
                        .code());
                return;
            }
            try {
                admin.deleteTopic(found);
            } catch (RuntimeException e) {
                result.setErrorCode(errorFor(e).code());
                if (version >= 5) {
                    result.setErrorMessage(e.getMessage());
                }
            }
        });
        return response;
    }

    ApiMessage createPartitions(CreatePartitionsRequestData request) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        long requested = 0;
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            Topic topic = core.registry().topic(t.name());
            requested += topic == null ? 0 : Math.max(0, (long) t.count() - topic.partitionCount());
        }
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            response.results().add(result);
            try {
                Topic current = core.registry().topic(t.name());
                long adding = current == null ? 0 : Math.max(0, (long) t.count() - current.partitionCount());
                core.registry().limits().checkRequest(t.name(), t.count(), adding, requested);
                if (t.assignments() != null && !t.assignments().isEmpty()) {
                    result.setErrorCode(Errors.INVALID_REPLICA_ASSIGNMENT.code())
                            .setErrorMessage("replica assignments are not supported");
                    continue;
                }
                Topic topic = core.registry().topicOrThrow(t.name());
                if (request.validateOnly()) {
                    if (t.count() <= topic.partitionCount()) {
                        throw new InvalidPartitionException("Partition count can only grow: topic=" + t.name()
                                + ", partitions=" + topic.partitionCount() + ", requested=" + t.count());
                    }
                } else {
                    admin.createPartitions(t.name(), t.count());
                }
            } catch (RuntimeException e) {
                result.setErrorCode(errorFor(e).code()).setErrorMessage(e.getMessage());
            }
        }
        return response;
    }

    private static void fail(CreateTopicsResponseData.CreatableTopicResult result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }

    /**
     * DeleteRecords: answered once every partition's log start has moved (on its journal thread) and been
     * checkpointed. A compacted or internal topic gets POLICY_VIOLATION, as from Kafka.
     */
    void deleteRecords(DeleteRecordsRequestData request, Consumer<ApiMessage> reply) {
        Map<io.sluice.broker.TopicPartition, Long> offsets = new LinkedHashMap<>();
        DeleteRecordsResponseData unknown = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : request.topics()) {
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                if (p.partitionIndex() < 0 || t.name() == null) {
                    unknownPartition(unknown, t.name(), p.partitionIndex());
                } else {
                    offsets.put(new io.sluice.broker.TopicPartition(t.name(), p.partitionIndex()), p.offset());
                }
            }
        }
        Map<io.sluice.broker.TopicPartition, CompletableFuture<Long>> deleted = core.registry().deleteRecords(offsets);
        CompletableFuture.allOf(deleted.values().toArray(CompletableFuture[]::new)).whenComplete((ignored, e) -> {
            DeleteRecordsResponseData response = unknown;
            deleted.forEach((tp, result) -> {
                DeleteRecordsResponseData.DeleteRecordsTopicResult topic = response.topics().find(tp.topic());
                if (topic == null) {
                    topic = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(tp.topic());
                    response.topics().add(topic);
                }
                DeleteRecordsResponseData.DeleteRecordsPartitionResult partition =
                        new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(tp.partition())
                                .setLowWatermark(-1);
                try {
                    partition.setLowWatermark(result.join());
                } catch (CompletionException failure) {
                    Throwable cause = failure.getCause();
                    partition.setErrorCode((cause instanceof InvalidTopicException ? Errors.POLICY_VIOLATION
                            : cause instanceof InvalidPartitionException ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                            : cause instanceof io.sluice.broker.OffsetOutOfRangeException ? Errors.OFFSET_OUT_OF_RANGE
                            : cause instanceof RuntimeException re ? errorFor(re) : Errors.KAFKA_STORAGE_ERROR).code());
                }
                if (topic.partitions().find(tp.partition()) == null) {
                    topic.partitions().add(partition);
                }
            });
            reply.accept(response);
        });
    }

    /** A partition no topic has (a negative index, no topic name): UNKNOWN_TOPIC_OR_PARTITION. */
    private static void unknownPartition(DeleteRecordsResponseData response, String topicName, int partition) {
        String name = topicName == null ? "" : topicName;
        DeleteRecordsResponseData.DeleteRecordsTopicResult topic = response.topics().find(name);
        if (topic == null) {
            topic = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(name);
            response.topics().add(topic);
        }
        if (topic.partitions().find(partition) == null) {
            topic.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                    .setPartitionIndex(partition).setLowWatermark(-1)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        }
    }

    static Errors errorFor(RuntimeException e) {
        if (e instanceof PartitionLimitException limit) {
            return limit.policyViolation() ? Errors.POLICY_VIOLATION : Errors.INVALID_PARTITIONS;
        }
        if (e instanceof TopicExistsException) {
            return Errors.TOPIC_ALREADY_EXISTS;
        }
        if (e instanceof UnknownTopicException) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (e instanceof InvalidTopicException) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
        if (e instanceof InvalidPartitionException) {
            return Errors.INVALID_PARTITIONS;
        }
        if (e instanceof InvalidConfigException) {
            return Errors.INVALID_CONFIG;
        }
        return Errors.UNKNOWN_SERVER_ERROR;
    }
}
