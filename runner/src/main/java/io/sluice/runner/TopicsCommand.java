package io.sluice.runner;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.NewTopic;
import io.sluice.broker.PartitionDescription;
import io.sluice.broker.TopicDescription;
import io.sluice.broker.TopicExistsException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice topics create|list|describe|alter|delete}. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create, list, describe, alter and delete topics; delete old records.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
                TopicsCommand.Alter.class, TopicsCommand.Delete.class, TopicsCommand.DeleteRecords.class})
final class TopicsCommand extends CommandGroup {
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "TOPIC", description = "The topic's name.")
        String topic;
        @Option(names = {"-p", "--partitions"}, paramLabel = "N", defaultValue = "1",
                description = "Partitions (${DEFAULT-VALUE}).")
        int partitions;
        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
                description = "A topic config, as Kafka's (retention.ms, cleanup.policy, …); repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();
        @Option(names = "--if-not-exists", description = "Succeed if the topic exists already.")
        boolean ifNotExists;

        @Override
        public Integer call() {
            if (partitions < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1");
            }
            try (Cluster broker = data.clients(true); Admin admin = broker.admin()) {
                admin.createTopic(new NewTopic(topic, partitions, configs));
                spec.commandLine().getOut().printf("Created topic %s with %d partition%s%n", topic, partitions,
                        partitions == 1 ? "" : "s");
            } catch (TopicExistsException e) {
                if (!ifNotExists) {
                    throw e;
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names, one per line.")
    static final class ListTopics implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Option(names = "--exclude-internal", description = "Leave out the broker's own topics.")
        boolean excludeInternal;

        @Override
        public Integer call() {
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                for (String topic : new TreeSet<>(admin.listTopics())) {
                    if (!excludeInternal || !admin.describeTopic(topic).internal()) {
                        spec.commandLine().getOut().println(topic);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show topics' partitions (offsets, size) and the configs set on them.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "TOPIC", arity = "0..*", description = "Topics to describe (default: all).")
        List<String> topics = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                List<String> names = topics.isEmpty() ? List.copyOf(new TreeSet<>(admin.listTopics())) : topics;
                List<TopicDescription> descriptions = new ArrayList<>();
                for (String name : names) {
                    descriptions.add(admin.describeTopic(name)); // an unknown topic fails before anything prints
                }
                for (TopicDescription d : descriptions) {
                    print(out, d);
                }
            }
            return 0;
        }

        private static void print(PrintWriter out, TopicDescription d) {
            out.printf("Topic: %s  Partitions: %d  TopicId: %s%s%n", d.name(), d.partitions().size(), d.topicId(),
                    d.internal() ? "  (internal)" : "");
            out.printf("  Configs: %s%n", d.overrides().isEmpty() ? "(broker defaults)" : join(d.overrides()));
            out.printf("  %9s %14s %14s %14s %12s%n", "Partition", "StartOffset", "EndOffset", "Records", "Bytes");
            for (PartitionDescription p : d.partitions()) {
                out.printf("  %9d %14d %14d %14d %12d%n", p.partition(), p.startOffset(), p.endOffset(),
                        p.endOffset() - p.startOffset(), p.sizeBytes());
            }
        }

        private static String join(Map<String, String> configs) {
            StringBuilder s = new StringBuilder();
            new java.util.TreeMap<>(configs).forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k)
                    .append('=').append(v));
            return s.toString();
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true,
            description = "Add partitions to a topic, or set or remove its configs.")
    static final class Alter implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "TOPIC")
        String topic;
        @Option(names = {"-p", "--partitions"}, paramLabel = "N",
                description = "The new partition count (partitions can be added, not removed).")
        Integer partitions;
        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", description = "Set a config; repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();
        @Option(names = "--delete-config", paramLabel = "KEY",
                description = "Return a config to the broker default; repeatable.")
        Set<String> deleteConfigs = new TreeSet<>();

        @Override
        public Integer call() {
            if (partitions == null && configs.isEmpty() && deleteConfigs.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Nothing to alter: give --partitions, --config or --delete-config");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                admin.describeTopic(topic); // fails clearly for an unknown topic before any change
                if (partitions != null) {
                    admin.createPartitions(topic, partitions);
                    out.printf("Topic %s now has %d partitions%n", topic, partitions);
                }
                if (!configs.isEmpty()) {
                    admin.setTopicConfig(topic, configs);
                    out.printf("Set on %s: %s%n", topic, Describe.join(configs));
                }
                if (!deleteConfigs.isEmpty()) {
                    admin.resetTopicConfig(topic, deleteConfigs);
                    out.printf("Reset on %s to the broker default: %s%n", topic, String.join(", ", deleteConfigs));
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete topics and their data.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "TOPIC", arity = "1..*")
        List<String> topics;
        @Option(names = "--if-exists", description = "Succeed for topics that do not exist.")
        boolean ifExists;

        @Override
        public Integer call() {
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                Set<String> existing = admin.listTopics();
                for (String topic : topics) {
                    if (!existing.contains(topic)) {
                        if (ifExists) {
                            continue;
                        }
                        throw new IllegalArgumentException("Unknown topic: " + topic + " (nothing was deleted)");
                    }
                }
                for (String topic : topics) {
                    if (existing.contains(topic)) {
                        admin.deleteTopic(topic);
                        spec.commandLine().getOut().printf("Deleted topic %s%n", topic);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "delete-records", mixinStandardHelpOptions = true,
            description = "Delete the records below an offset: the partitions' log start moves up to it (Kafka's "
                    + "kafka-delete-records). Consumers positioned below it reset by their auto.offset.reset.")
    static final class DeleteRecords implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "TOPIC")
        String topic;
        @Option(names = "--before", paramLabel = "OFFSET", required = true,
                description = "Delete the records below this offset, or below the end with 'end' (all that is "
                        + "readable now).")
        String before;
        @Option(names = {"-p", "--partition"}, paramLabel = "P",
                description = "Only these partitions; repeatable (default: all).")
        List<Integer> partitions = new ArrayList<>();

        @Override
        public Integer call() {
            long offset;
            if (before.equals("end")) {
                offset = -1;
            } else {
                try {
                    offset = Long.parseLong(before);
                } catch (NumberFormatException e) {
                    offset = -2;
                }
                if (offset < 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--before must be an offset (0 or more) or 'end': " + before);
                }
            }
            try (Cluster broker = data.clients(false); Admin admin = broker.admin();
                 io.sluice.broker.Consumer consumer = broker.consumer()) {
                Map<io.sluice.broker.TopicPartition, Long> request = new LinkedHashMap<>();
                for (io.sluice.broker.TopicPartition tp : Partitions.chosen(consumer, topic, partitions)) {
                    request.put(tp, offset);
                }
                admin.deleteRecords(request).forEach((tp, start) -> spec.commandLine().getOut()
                        .printf("%s-%d: records below %d deleted%n", tp.topic(), tp.partition(), start));
            }
            return 0;
        }
    }
}
