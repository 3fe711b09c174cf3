package io.sluice.broker.internal.net;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs and versions this server really implements — what ApiVersions advertises. Built by hand, never from
 * kafka-clients' ranges: clients call whatever is advertised.
 */
final class SupportedApis {
    private static final Map<ApiKeys, short[]> VERSIONS = new EnumMap<>(ApiKeys.class);

    static {
        VERSIONS.put(ApiKeys.API_VERSIONS, new short[] {0, 4});
        VERSIONS.put(ApiKeys.METADATA, new short[] {0, 13});
        // Served from v3 (RecordBatch v2), the oldest kafka-clients 4 knows; advertised from v0 (see collection()).
        VERSIONS.put(ApiKeys.PRODUCE, new short[] {3, 13});
        VERSIONS.put(ApiKeys.FETCH, new short[] {4, 17});
        VERSIONS.put(ApiKeys.LIST_OFFSETS, new short[] {1, 11});
        VERSIONS.put(ApiKeys.CREATE_TOPICS, new short[] {2, 7});
        VERSIONS.put(ApiKeys.DELETE_TOPICS, new short[] {1, 6});
        VERSIONS.put(ApiKeys.CREATE_PARTITIONS, new short[] {0, 3});
        VERSIONS.put(ApiKeys.DELETE_RECORDS, new short[] {0, 2});
        VERSIONS.put(ApiKeys.INIT_PRODUCER_ID, new short[] {0, 6});
        VERSIONS.put(ApiKeys.FIND_COORDINATOR, new short[] {0, 6});
        VERSIONS.put(ApiKeys.OFFSET_COMMIT, new short[] {2, 9}); // v10 names topics by id
        VERSIONS.put(ApiKeys.OFFSET_FETCH, new short[] {1, 9});
        VERSIONS.put(ApiKeys.LIST_GROUPS, new short[] {0, 5});
        VERSIONS.put(ApiKeys.JOIN_GROUP, new short[] {0, 9});
        VERSIONS.put(ApiKeys.SYNC_GROUP, new short[] {0, 5});
        VERSIONS.put(ApiKeys.HEARTBEAT, new short[] {0, 4});
        VERSIONS.put(ApiKeys.LEAVE_GROUP, new short[] {0, 5});
        VERSIONS.put(ApiKeys.DESCRIBE_GROUPS, new short[] {0, 5});
        VERSIONS.put(ApiKeys.DELETE_GROUPS, new short[] {0, 2});
        VERSIONS.put(ApiKeys.DESCRIBE_CONFIGS, new short[] {1, 4});
        VERSIONS.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, new short[] {0, 1});
    }

    private SupportedApis() {
    }

    static boolean supports(ApiKeys api, short version) {
        short[] range = VERSIONS.get(api);
        return range != null && version >= range[0] && version <= range[1];
    }

    static ApiVersionCollection collection() {
        ApiVersionCollection apis = new ApiVersionCollection();
        // librdkafka compresses only if Produce is advertised from v0 (KAFKA-18659), so it is, as by Kafka 4; a
        // client never picks v0–v2 when v3+ is there, and one that did would have its connection closed, as Kafka's.
        VERSIONS.forEach((api, range) -> apis.add(new ApiVersion().setApiKey(api.id)
                .setMinVersion(api == ApiKeys.PRODUCE ? ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION : range[0])
                .setMaxVersion(range[1])));
        return apis;
    }
}
