package io.sluice.runner;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.runner.internal.TimeArgument;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice groups list|describe|reset-offsets|delete}: consumer groups and their committed offsets. */
@Command(name = "groups", mixinStandardHelpOptions = true,
        description = "List consumer groups, show their offsets and lag, reset their offsets, delete them.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.ResetOffsets.class,
                GroupsCommand.Delete.class})
final class GroupsCommand extends CommandGroup {
    private static final Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List group ids, one per line.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;

        @Override
        public Integer call() {
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                new TreeSet<>(admin.listGroups()).forEach(spec.commandLine().getOut()::println);
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a group's committed offset, the partition's end and the lag, per partition.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Cluster broker = data.clients(false); Admin admin = broker.admin();
                 Consumer consumer = broker.consumer()) {
                Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(admin, group);
                List<TopicPartition> partitions = new ArrayList<>(committed.keySet());
                partitions.sort(BY_TOPIC_AND_PARTITION);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                out.printf("%-30s %9s %14s %14s %10s%n", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
                for (TopicPartition tp : partitions) {
                    long offset = committed.get(tp).offset();
                    out.printf("%-30s %9d %14d %14d %10d%n", tp.topic(), tp.partition(), offset, end.get(tp),
                            Math.max(0, end.get(tp) - offset));
                }
            }
            return 0;
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Move a group's committed offsets on a topic. Prints the plan; --execute applies it.")
    static final class ResetOffsets implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "GROUP")
        String group;
        @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", required = true,
                description = "The topic whose offsets move.")
        String topic;
        @Option(names = {"-p", "--partition"}, paramLabel = "P",
                description = "Only these partitions; repeatable (default: all).")
        List<Integer> onlyPartitions = new ArrayList<>();
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;
        @Option(names = "--execute", description = "Commit the new offsets (without it, only print them).")
        boolean execute;

        static final class Target {
            @Option(names = "--to-earliest", required = true, description = "To each partition's first record.")
            boolean earliest;
            @Option(names = "--to-latest", required = true, description = "To each partition's end.")
            boolean latest;
            @Option(names = "--to-offset", paramLabel = "OFFSET", required = true, description = "To this offset.")
            Long offset;
            @Option(names = "--to-datetime", paramLabel = "TIME", required = true,
                    description = "To the first record at or after TIME (epoch ms or ISO-8601).")
            String time;
            @Option(names = "--shift-by", paramLabel = "N", required = true,
                    description = "By N records (negative: back), from the committed offset.")
            Long shift;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Cluster broker = data.clients(false); Admin admin = broker.admin();
                 Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId(group)
                         .enableAutoCommit(false).build())) {
                List<TopicPartition> partitions = Partitions.chosen(consumer, topic, onlyPartitions);
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listGroups().contains(group) ? admin.listGroupOffsets(group) : Map.of();
                Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<TopicPartition, Long> wanted = wanted(consumer, partitions, committed, first, end);
                Map<TopicPartition, OffsetAndMetadata> plan = new LinkedHashMap<>();
                out.printf("%-30s %9s %14s %14s%n", "TOPIC", "PARTITION", "COMMITTED", "NEW");
                for (TopicPartition tp : partitions) {
                    long to = Math.min(Math.max(wanted.get(tp), first.get(tp)), end.get(tp));
                    OffsetAndMetadata was = committed.get(tp);
                    out.printf("%-30s %9d %14s %14d%n", tp.topic(), tp.partition(),
                            was == null ? "-" : Long.toString(was.offset()), to);
                    plan.put(tp, OffsetAndMetadata.of(to));
                }
                if (execute) {
                    consumer.commitSync(plan);
                    out.printf("Committed for group %s%n", group);
                } else {
                    out.println("Dry run: nothing changed (add --execute to commit these offsets)");
                }
            }
            return 0;
        }

        private Map<TopicPartition, Long> wanted(Consumer consumer, List<TopicPartition> partitions,
                                                 Map<TopicPartition, OffsetAndMetadata> committed,
                                                 Map<TopicPartition, Long> first, Map<TopicPartition, Long> end) {
            Map<TopicPartition, Long> wanted = new LinkedHashMap<>();
            if (target.time != null) {
                return Partitions.offsetsAt(consumer, partitions, TimeArgument.parseMillis(target.time));
            }
            for (TopicPartition tp : partitions) {
                long to;
                if (target.earliest) {
                    to = first.get(tp);
                } else if (target.latest) {
                    to = end.get(tp);
                } else if (target.offset != null) {
                    to = target.offset;
                } else {
                    OffsetAndMetadata was = committed.get(tp);
                    if (was == null) {
                        throw new IllegalArgumentException("Group " + group + " has no committed offset on " + tp
                                + " to shift from");
                    }
                    to = was.offset() + target.shift;
                }
                wanted.put(tp, to);
            }
            return wanted;
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> committedOffsets(Admin admin, String group) {
        if (!admin.listGroups().contains(group)) {
            throw new IllegalArgumentException("Unknown group: " + group);
        }
        return admin.listGroupOffsets(group);
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete groups that have no members, and their committed offsets.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "GROUP", arity = "1..*")
        List<String> groups;

        @Override
        public Integer call() {
            try (Cluster broker = data.clients(false); Admin admin = broker.admin()) {
                for (String group : groups) {
                    admin.deleteGroup(group);
                    spec.commandLine().getOut().printf("Deleted group %s%n", group);
                }
            }
            return 0;
        }
    }
}
