package io.sluice.engine.internal.runtime;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicDescription;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.internal.topology.SubTopology;
import io.sluice.engine.internal.topology.TopologyModel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a job checks and creates on the broker before it runs: its input and output topics exist, inputs read
 * together are co-partitioned, internal topics exist with the right partition counts, and the stores the topology
 * declares match the state already stored for this {@code application.id} — a renamed or removed stateful operator
 * is an error, never a silent reset. It also decides which tables are restored from their source topic (see
 * {@link StoreSpec#restorableFrom}).
 */
public final class JobSetup {
    /** Added to a store's signature in the metadata topic when the store is restored from its source topic. */
    private static final String FROM_SOURCE = " restored-from=";

    private JobSetup() {
    }

    /**
     * What a job runs with.
     *
     * @param partitions            the partition count of every topic the job reads
     * @param sourceTopicChangelogs the stores restored from their source topic, with no changelog of their own
     */
    public record Prepared(Map<String, Integer> partitions, Set<String> sourceTopicChangelogs) {
    }

    /** The metadata topic of a job: the signature of every store it has written, by store name. */
    public static String metadataTopic(String applicationId) {
        return applicationId + "-store-metadata";
    }

    /** Checks and prepares the broker; or adds to {@code problems} and returns null. */
    public static Prepared prepare(Cluster broker, TopologyModel model, String deadLetterTopic,
                                   List<String> problems) {
        try (Admin admin = broker.admin()) {
            Set<String> existing = admin.listTopics();
            Map<String, Integer> external = new LinkedHashMap<>();
            for (String topic : model.externalTopics()) {
                if (existing.contains(topic)) {
                    external.put(topic, admin.describeTopic(topic).partitions().size());
                } else {
                    problems.add("Topic does not exist: topic=" + topic + " (create it first)");
                }
            }
            if (!problems.isEmpty()) {
                return null;
            }
            Map<String, Integer> counts = model.resolvePartitions(external, problems);
            Map<String, String> stored = readStoredState(broker, admin, model, existing);
            checkStoredState(model, stored, problems);
            Set<String> fromSource = chooseSourceTopicChangelogs(admin, model, stored, problems);
            List<NewTopic> toCreate = new ArrayList<>();
            for (String topic : model.repartitionTopics().keySet()) {
                want(admin, existing, NewTopic.of(topic, counts.getOrDefault(topic, 1)), toCreate, problems);
            }
            for (SubTopology sub : model.subTopologies()) {
                for (String store : sub.stores()) {
                    StoreSpec spec = model.stores().get(store);
                    if (spec.logged() && !fromSource.contains(store)) {
                        want(admin, existing, changelog(spec, model.applicationId(),
                                TopologyModel.taskCount(sub, counts)), toCreate, problems);
                    }
                }
            }
            if (deadLetterTopic != null && !existing.contains(deadLetterTopic)) {
                toCreate.add(NewTopic.of(deadLetterTopic, 1));
            }
            if (!problems.isEmpty()) {
                return null;
            }
            if (!toCreate.isEmpty()) {
                admin.createTopics(toCreate);
            }
            recordStoredState(broker, model, fromSource);
            return new Prepared(counts, Set.copyOf(fromSource));
        }
    }

    private static NewTopic changelog(StoreSpec spec, String applicationId, int partitions) {
        NewTopic topic = NewTopic.of(spec.changelogTopic(applicationId), partitions);
        if (spec.kind() == StoreSpec.Kind.KEY_VALUE) {
            return topic.withConfig("cleanup.policy", "compact");
        }
        // Windows and sessions expire: compacted, and deleted a day after the store would have dropped them.
        long retention = spec.retentionMs() >= Long.MAX_VALUE - 86_400_000L ? -1 : spec.retentionMs() + 86_400_000L;
        return topic.withConfig("cleanup.policy", "compact,delete").withConfig("retention.ms",
                Long.toString(retention));
    }

    private static void want(Admin admin, Set<String> existing, NewTopic topic, List<NewTopic> toCreate,
                             List<String> problems) {
        if (!existing.contains(topic.name())) {
            toCreate.add(topic);
            return;
        }
        TopicDescription description = admin.describeTopic(topic.name());
        if (description.partitions().size() != topic.partitions()) {
            problems.add("Internal topic has " + description.partitions().size() + " partitions, the topology needs "
                    + topic.partitions() + ": topic=" + topic.name() + " (an input topic's partition count changed; "
                    + "the job's state no longer lines up with its inputs)");
        }
    }

    /** The signature of every store this job has written, by store name; creates the metadata topic if missing. */
    private static Map<String, String> readStoredState(Cluster broker, Admin admin, TopologyModel model,
                                                       Set<String> existing) {
        String topic = metadataTopic(model.applicationId());
        Map<String, String> stored = new LinkedHashMap<>();
        if (!existing.contains(topic)) {
            admin.createTopic(NewTopic.of(topic, 1).withConfig("cleanup.policy", "compact"));
            return stored;
        }
        try (Consumer consumer = broker.consumer()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() == null) {
                        stored.remove(r.keyAsString());
                    } else {
                        stored.put(r.keyAsString(), r.valueAsString());
                    }
                }
            }
        }
        return stored;
    }

    private static void checkStoredState(TopologyModel model, Map<String, String> stored, List<String> problems) {
        stored.forEach((store, value) -> {
            StoreSpec now = model.stores().get(store);
            String signature = value.contains(FROM_SOURCE) ? value.substring(0, value.indexOf(FROM_SOURCE)) : value;
            String changelog = model.applicationId() + "-" + store + "-changelog";
            if (now == null) {
                problems.add("Stored state has no operator in this topology: store=" + store + ", changelog="
                        + changelog + " (a stateful operator was renamed or removed; give it back its name, or "
                        + "delete the changelog topic to drop its state)");
            } else if (!now.signature().equals(signature)) {
                problems.add("Store changed shape: store=" + store + ", stored=" + signature + ", topology="
                        + now.signature() + " (its changelog was written with the stored shape)");
            }
        });
    }

    /**
     * The stores that are restored from their source topic: those that may be, whose topic is compacted, unless
     * their state was first written with a changelog of their own. One restored from its topic before whose topic
     * is no longer compacted is a problem: what the topic deletes would be missing from the store after a restart.
     */
    private static Set<String> chooseSourceTopicChangelogs(Admin admin, TopologyModel model,
                                                           Map<String, String> stored, List<String> problems) {
        Set<String> chosen = new TreeSet<>();
        for (StoreSpec spec : model.stores().values()) {
            String topic = spec.sourceTopic();
            if (topic == null || !spec.logged()) {
                continue;
            }
            String before = stored.get(spec.name());
            String policy = admin.describeTopic(topic).configs().getOrDefault("cleanup.policy", "delete");
            boolean compacted = "compact".equals(policy.trim());
            if (before == null) {
                if (compacted) {
                    chosen.add(spec.name());
                }
            } else if (before.endsWith(FROM_SOURCE + topic)) {
                if (compacted) {
                    chosen.add(spec.name());
                } else {
                    problems.add("A table's source topic is no longer compacted: store=" + spec.name() + ", topic="
                            + topic + ", cleanup.policy=" + policy + " (the store is restored from that topic, and "
                            + "records it deletes would be missing after a restart; set cleanup.policy=compact on "
                            + "it again, or reset the application to rebuild the table with a changelog of its own)");
                }
            }
        }
        return chosen;
    }

    private static void recordStoredState(Cluster broker, TopologyModel model, Set<String> fromSource) {
        String topic = metadataTopic(model.applicationId());
        try (Producer producer = broker.producer()) {
            for (StoreSpec spec : model.stores().values()) {
                if (spec.logged()) {
                    producer.send(ProducerRecord.of(topic, spec.name().getBytes(StandardCharsets.UTF_8),
                            (spec.signature() + (fromSource.contains(spec.name()) ? FROM_SOURCE + spec.sourceTopic()
                                    : "")).getBytes(StandardCharsets.UTF_8)).withPartition(0));
                }
            }
            producer.flush();
        }
    }
}
