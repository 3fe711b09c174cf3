package io.sluice.broker.internal.net;

import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request frame into its response frame. kafka-clients' generated message classes decode and encode
 * (they are kept behind this class: they are not a public API and move between releases). A request this server
 * cannot answer gets an error response where the protocol has one; only a frame that cannot be read as a request
 * at all closes the connection ({@link BadFrameException}).
 */
final class RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    /** This broker's id: a single node is its own controller. */
    static final int NODE_ID = 0;

    private final BrokerCore core;
    private final Supplier<Listener> advertised;
    /** A client can make requests fail as often as it likes: their warnings are logged at a bounded rate. */
    private final WarningLimiter failures = new WarningLimiter(log);
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final ListOffsetsHandler listOffsets;
    private final AdminHandler admin;
    private final ProducerIds producerIds;
    private final GroupHandler groups;
    private final ClassicGroups classic;
    private final ConfigsHandler configs;
    /** Runs what completes later: fetches that waited for records or for their max.wait.ms. */
    private final java.util.concurrent.ScheduledExecutorService delayed;

    RequestHandler(BrokerCore core, Supplier<Listener> advertised) {
        this.core = core;
        this.advertised = advertised;
        java.util.concurrent.ScheduledThreadPoolExecutor timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                r -> {
                    Thread t = new Thread(r, "sluice-network-delayed");
                    t.setDaemon(true);
                    return t;
                });
        // A fetch answered early cancels its max.wait.ms timer: it must leave the queue then, not when it is due.
        timer.setRemoveOnCancelPolicy(true);
        this.delayed = timer;
        this.producerIds = new ProducerIds(core.config().dataDir());
        ProducerSequences sequences = new ProducerSequences();
        int recovered = sequences.recover(core);
        if (recovered > 0) {
            log.info("Idempotent producer state rebuilt from the logs: batches={}", recovered);
        }
        this.produce = new ProduceHandler(core, sequences, delayed);
        this.fetch = new FetchHandler(core, delayed);
        this.listOffsets = new ListOffsetsHandler(core);
        this.admin = new AdminHandler(core);
        this.classic = new ClassicGroups(delayed, System::currentTimeMillis, core.groups());
        this.groups = new GroupHandler(core, advertised, classic);
        core.groups().addMembership(classic);
        this.configs = new ConfigsHandler(core);
    }

    /** Stops the delayed operations; waiting fetches are not answered (their connections are closing). */
    void close() {
        delayed.shutdownNow();
        admin.close();
    }

    /**
     * Where a request's response goes: the response frame (size prefix included), or null when the request wants
     * none (a produce with acks=0) — once, now or later from another thread. A request that parks (a fetch waiting
     * for records) says with {@link #onDrop} how to stop waiting should its connection go first.
     */
    interface Responder extends java.util.function.Consumer<Send> {
        void onDrop(Runnable cancel);
    }

    /**
     * Answers {@code frame}, a request without its size prefix, through {@code respond}. Throws
     * {@link BadFrameException} for bytes that are not a request; any other failure is answered with the request's
     * error response.
     */
    void handle(ByteBuffer frame, String peer, Responder respond) {
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            throw new BadFrameException("Unreadable request header from " + peer + ": " + e.getMessage());
        }
        ApiKeys api = header.apiKey();
        short version = header.apiVersion();
        if (api == ApiKeys.API_VERSIONS && !SupportedApis.supports(api, version)) {
            // A client newer than us: answer in v0's layout with our range, so it retries with one we have.
            respond.accept(frame(header.correlationId(), (short) 0, (short) 0, new ApiVersionsResponseData()
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(SupportedApis.collection())));
            return;
        }
        if (api == ApiKeys.PRODUCE && version < ApiKeys.PRODUCE.oldestVersion()) {
            // Advertised for librdkafka's sake but not served; there is no response layout to refuse it with.
            throw new BadFrameException("PRODUCE v" + version + " from " + peer + " is not served (message formats "
                    + "v0 and v1): v" + ApiKeys.PRODUCE.oldestVersion() + " and later are");
        }
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(frame)).request;
        } catch (RuntimeException e) {
            throw new BadFrameException("Unreadable " + api + " v" + version + " request from " + peer + ": "
                    + e.getMessage());
        }
        java.util.function.Consumer<ApiMessage> reply = body -> respond.accept(body == null ? null
                : frame(header.correlationId(), api.responseHeaderVersion(version), version, body));
        try {
            if (!SupportedApis.supports(api, version)) {
                reply.accept(request.getErrorResponse(Errors.UNSUPPORTED_VERSION.exception(api + " v" + version
                        + " is not served by this broker")).data());
                return;
            }
            ApiMessage data = request.data();
            switch (api) {
                // Answered later, from other threads.
                case PRODUCE -> produce.handle((org.apache.kafka.common.requests.ProduceRequest) request, version,
                        reply);
                case FETCH -> fetch.handle((org.apache.kafka.common.requests.FetchRequest) request, version, reply,
                        respond::onDrop);
                case JOIN_GROUP -> classic.join((org.apache.kafka.common.message.JoinGroupRequestData) data, version,
                        header.clientId(), peer, reply);
                case SYNC_GROUP -> classic.sync((org.apache.kafka.common.message.SyncGroupRequestData) data, version,
                        reply);
                case DELETE_RECORDS -> admin.deleteRecords(
                        (org.apache.kafka.common.message.DeleteRecordsRequestData) data, reply);
                // On the admin thread: a change may open or remove thousands of partitions.
                case CREATE_TOPICS, DELETE_TOPICS, CREATE_PARTITIONS, INCREMENTAL_ALTER_CONFIGS -> admin.submit(
                        () -> answerNow(request, data, version), e -> request.getErrorResponse(e).data(), reply);
                // Answered now.
                default -> reply.accept(answerNow(request, data, version));
            }
        } catch (RuntimeException e) {
            if (failures.allow("request failed")) {
                log.warn("Request failed: api={}, version={}, client={}, peer={}", api, version,
                        LogSafe.text(header.clientId()), peer, e);
            }
            AbstractResponse error = request.getErrorResponse(e);
            // No error response: a produce with acks=0, which is never answered.
            reply.accept(error == null ? null : error.data());
        }
    }

    private ApiMessage answerNow(AbstractRequest request, ApiMessage data, short version) {
        return switch (request.apiKey()) {
            case API_VERSIONS -> new ApiVersionsResponseData().setErrorCode(Errors.NONE.code())
                    .setApiKeys(SupportedApis.collection());
            case METADATA -> metadata((MetadataRequest) request, version).data();
            case LIST_OFFSETS -> listOffsets.handle((org.apache.kafka.common.requests.ListOffsetsRequest) request,
                    version).data();
            case INIT_PRODUCER_ID -> initProducerId((org.apache.kafka.common.requests.InitProducerIdRequest) request)
                    .data();
            case CREATE_TOPICS -> admin.createTopics((org.apache.kafka.common.message.CreateTopicsRequestData) data,
                    version);
            case DELETE_TOPICS -> admin.deleteTopics((org.apache.kafka.common.message.DeleteTopicsRequestData) data,
                    version);
            case CREATE_PARTITIONS -> admin.createPartitions(
                    (org.apache.kafka.common.message.CreatePartitionsRequestData) data);
            case DESCRIBE_CONFIGS -> configs.describe((org.apache.kafka.common.message.DescribeConfigsRequestData)
                    data);
            case INCREMENTAL_ALTER_CONFIGS -> configs.incrementalAlter(
                    (org.apache.kafka.common.message.IncrementalAlterConfigsRequestData) data);
            case FIND_COORDINATOR -> groups.findCoordinator(
                    (org.apache.kafka.common.message.FindCoordinatorRequestData) data, version);
            case OFFSET_COMMIT -> groups.offsetCommit((org.apache.kafka.common.message.OffsetCommitRequestData) data);
            case OFFSET_FETCH -> groups.offsetFetch((org.apache.kafka.common.message.OffsetFetchRequestData) data,
                    version);
            case HEARTBEAT -> {
                var hb = (org.apache.kafka.common.message.HeartbeatRequestData) data;
                yield new org.apache.kafka.common.message.HeartbeatResponseData().setErrorCode(
                        classic.heartbeat(hb.groupId(), hb.memberId(), hb.generationId()).code());
            }
            case LEAVE_GROUP -> classic.leave((org.apache.kafka.common.message.LeaveGroupRequestData) data, version);
            case DESCRIBE_GROUPS -> groups.describeGroups(
                    (org.apache.kafka.common.message.DescribeGroupsRequestData) data, version);
            case LIST_GROUPS -> groups.listGroups(version);
            case DELETE_GROUPS -> groups.deleteGroups((org.apache.kafka.common.message.DeleteGroupsRequestData) data);
            default -> request.getErrorResponse(Errors.UNSUPPORTED_VERSION.exception()).data();
        };
    }

    /**
     * An id for an idempotent producer, or the same id with the next epoch when the producer asks to bump its own
     * (after a sequence error). Transactional ids are refused: transactions are not served.
     */
    private AbstractResponse initProducerId(org.apache.kafka.common.requests.InitProducerIdRequest request) {
        var data = request.data();
        var response = new org.apache.kafka.common.message.InitProducerIdResponseData();
        if (data.transactionalId() != null) {
            response.setErrorCode(Errors.INVALID_REQUEST.code()).setProducerId(-1).setProducerEpoch((short) -1);
        } else if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            response.setProducerId(data.producerId()).setProducerEpoch((short) (data.producerEpoch() + 1));
        } else {
            response.setProducerId(producerIds.next()).setProducerEpoch((short) 0);
        }
        return new org.apache.kafka.common.requests.InitProducerIdResponse(response);
    }

    private AbstractResponse metadata(MetadataRequest request, short version) {
        Listener address = advertised.get();
        MetadataResponseData data = new MetadataResponseData();
        MetadataResponseBroker node = new MetadataResponseBroker().setNodeId(NODE_ID).setHost(address.host())
                .setPort(address.port());
        data.brokers().add(node);
        if (version >= 1) {
            data.setControllerId(NODE_ID);
        }
        if (version >= 2) {
            data.setClusterId(core.registry().clusterId());
        }
        List<Topic> found = new ArrayList<>();
        if (request.isAllTopics()) {
            found.addAll(core.registry().topics());
        } else {
            for (MetadataRequestData.MetadataRequestTopic wanted : request.data().topics()) {
                Topic topic = TopicLookup.find(core, wanted.name(), wanted.topicId());
                if (topic == null || topic.isDeleted()) {
                    // Asked for by name, or from v10 by id: the error says which was not found.
                    boolean byId = wanted.name() == null;
                    data.topics().add(new MetadataResponseTopic().setName(byId && version < 12 ? "" : wanted.name())
                            .setTopicId(wanted.topicId() == null ? Uuid.ZERO_UUID : wanted.topicId())
                            .setErrorCode(notFound(byId, wanted.name()).code()));
                } else {
                    found.add(topic);
                }
            }
        }
        for (Topic topic : found) {
            MetadataResponseTopic t = new MetadataResponseTopic().setName(topic.name());
            if (version >= 1) {
                t.setIsInternal(topic.internal());
            }
            if (version >= 10) {
                t.setTopicId(Uuid.fromString(topic.id()));
            }
            for (Partition p : topic.partitions()) {
                MetadataResponsePartition mp = new MetadataResponsePartition()
                        .setPartitionIndex(p.topicPartition().partition()).setLeaderId(NODE_ID)
                        .setReplicaNodes(List.of(NODE_ID)).setIsrNodes(List.of(NODE_ID));
                if (version >= 7) {
                    mp.setLeaderEpoch(0);
                }
                t.partitions().add(mp);
            }
            data.topics().add(t);
        }
        return new org.apache.kafka.common.requests.MetadataResponse(data, version);
    }

    /**
     * Why a topic asked for is not in Metadata's answer. One recorded but not opened at start (past the partition
     * limits, or files that cannot be read) fails its clients at once rather than have them wait for it to appear.
     */
    private Errors notFound(boolean byId, String name) {
        return byId ? Errors.UNKNOWN_TOPIC_ID : core.registry().isUnavailable(name) ? Errors.INVALID_TOPIC_EXCEPTION
                : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    /** Size prefix, response header (of {@code headerVersion}), body (of {@code version}). */
    /**
     * The response, size prefix included, as a {@link Send}: record sets read from the log go out as file regions,
     * without a copy (sendfile), the rest from a buffer.
     */
    private static Send frame(int correlationId, short headerVersion, short version, ApiMessage body) {
        return SendBuilder.buildResponseSend(new ResponseHeader(correlationId, headerVersion), body, version);
    }

    /** A frame that cannot be read as a request: the connection is closed, with this message in the log. */
    static final class BadFrameException extends RuntimeException {
        BadFrameException(String message) {
            super(message);
        }
    }
}
