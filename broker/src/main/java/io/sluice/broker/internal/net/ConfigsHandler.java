package io.sluice.broker.internal.net;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.TopicDescription;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.client.EmbeddedAdmin;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * Topic configs: DescribeConfigs gives every effective value, marked as the topic's own or the default;
 * IncrementalAlterConfigs sets and deletes (back to the default) values; list operations (APPEND, SUBTRACT) are
 * refused. Broker configs are described, read-only.
 */
final class ConfigsHandler {
    private final BrokerCore core;
    private final EmbeddedAdmin admin;

    ConfigsHandler(BrokerCore core) {
        this.core = core;
        this.admin = new EmbeddedAdmin(core);
    }

    ApiMessage describe(DescribeConfigsRequestData request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource r : request.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData
                    .DescribeConfigsResult().setResourceType(r.resourceType()).setResourceName(r.resourceName());
            response.results().add(result);
            if (r.resourceType() == ConfigResource.Type.BROKER.id()) {
                describeBroker(r, result);
                continue;
            }
            if (r.resourceType() != ConfigResource.Type.TOPIC.id()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("topic and broker configs are served, not resource type " + r.resourceType());
                continue;
            }
            try {
                TopicDescription topic = admin.describeTopic(r.resourceName());
                Set<String> keys = r.configurationKeys() == null ? topic.configs().keySet()
                        : new LinkedHashSet<>(r.configurationKeys());
                for (String key : keys) {
                    String value = topic.configs().get(key);
                    if (value == null) {
                        continue;
                    }
                    boolean own = topic.overrides().containsKey(key);
                    result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                            .setName(key).setValue(value).setReadOnly(false).setIsSensitive(false)
                            .setConfigSource((own ? DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG
                                    : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG).id()));
                }
            } catch (RuntimeException e) {
                result.setErrorCode(AdminHandler.errorFor(e).code()).setErrorMessage(e.getMessage());
            }
        }
        return response;
    }

    /**
     * The broker's configs: every key as it runs, read-only (set in its config file or on its command line, they
     * change with a restart); the cluster-wide dynamic defaults (an empty name) are none.
     */
    private void describeBroker(DescribeConfigsRequestData.DescribeConfigsResource r,
                                DescribeConfigsResponseData.DescribeConfigsResult result) {
        if (r.resourceName().isEmpty()) {
            return;
        }
        if (!r.resourceName().equals(Integer.toString(RequestHandler.NODE_ID))) {
            result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("No broker " + r.resourceName()
                    + ": this cluster is broker " + RequestHandler.NODE_ID);
            return;
        }
        BrokerConfig config = core.config();
        Set<String> keys = r.configurationKeys() == null ? config.effectiveValues().keySet()
                : new LinkedHashSet<>(r.configurationKeys());
        for (String key : keys) {
            if (!config.effectiveValues().containsKey(key)) {
                continue;
            }
            result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult().setName(key)
                    .setValue(config.effectiveValues().get(key)).setReadOnly(true).setIsSensitive(false)
                    .setConfigSource((config.isSet(key) ? DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG
                            : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG).id()));
        }
    }

    ApiMessage incrementalAlter(IncrementalAlterConfigsRequestData request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource r : request.resources()) {
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse result =
                    new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(r.resourceType()).setResourceName(r.resourceName());
            response.responses().add(result);
            if (r.resourceType() != ConfigResource.Type.TOPIC.id()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(r.resourceType()
                        == ConfigResource.Type.BROKER.id() ? "broker configs are static: set them in the broker's "
                        + "config file or on its command line, and restart it" : "only topic configs can be altered");
                continue;
            }
            Map<String, String> set = new LinkedHashMap<>();
            Set<String> delete = new LinkedHashSet<>();
            String refused = null;
            for (IncrementalAlterConfigsRequestData.AlterableConfig c : r.configs()) {
                switch (c.configOperation()) {
                    case 0 -> set.put(c.name(), c.value());
                    case 1 -> delete.add(c.name());
                    default -> refused = c.name();
                }
            }
            if (refused != null) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("APPEND and SUBTRACT are not "
                        + "supported: config " + refused);
                continue;
            }
            try {
                admin.describeTopic(r.resourceName()); // an unknown topic fails before any change
                if (!request.validateOnly()) {
                    if (!set.isEmpty()) {
                        admin.setTopicConfig(r.resourceName(), set);
                    }
                    if (!delete.isEmpty()) {
                        admin.resetTopicConfig(r.resourceName(), delete);
                    }
                }
            } catch (RuntimeException e) {
                result.setErrorCode(AdminHandler.errorFor(e).code()).setErrorMessage(e.getMessage());
            }
        }
        return response;
    }
}
