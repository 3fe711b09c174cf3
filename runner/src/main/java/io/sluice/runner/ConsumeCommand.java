package io.sluice.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.runner.internal.TimeArgument;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice consume TOPIC}: prints a topic's records, from the position asked for to the end the topic had when
 * the command started (the data directory is this command's alone while it runs, so nothing arrives after).
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print a topic's records, one per line, up to the topic's end.",
        footer = {"", "Format placeholders: {topic} {partition} {offset} {timestamp} {key} {value} {headers}",
                "Examples:", "  sluice consume orders --format '{partition}/{offset} {key}={value}'",
                "  sluice consume orders --from-time 2026-11-30T08:00:00Z -n 10 --json",
                "  sluice consume orders --group audit     # resumes where group audit stopped, commits"})
final class ConsumeCommand implements Callable<Integer> {
    /** Made on first use: an ObjectMapper costs ~60 ms, which every command's start would otherwise pay. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final List<String> PLACEHOLDERS =
            List.of("topic", "partition", "offset", "timestamp", "key", "value", "headers");

    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOption data;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--from-beginning",
            description = "Start at each partition's first record, even if the group has committed offsets.")
    boolean fromBeginning;
    @Option(names = "--offset", paramLabel = "OFFSET",
            description = "Start at this offset (of --partition, or of every partition).")
    Long offset;
    @Option(names = "--from-time", paramLabel = "TIME",
            description = "Start at the first record at or after TIME (epoch ms or ISO-8601, such as "
                    + "2026-11-30T08:00:00Z).")
    String fromTime;
    @Option(names = {"-p", "--partition"}, paramLabel = "P", description = "Read only these partitions; repeatable.")
    List<Integer> onlyPartitions = new ArrayList<>();
    @Option(names = {"-g", "--group"}, paramLabel = "GROUP",
            description = "Start at the group's committed offsets (where it has some) and commit where this stops.")
    String group;
    @Option(names = {"-n", "--max-records"}, paramLabel = "N", description = "Stop after N records.")
    Long maxRecords;
    @Option(names = {"-f", "--format"}, paramLabel = "TEMPLATE", defaultValue = "{value}",
            description = "How to print a record (${DEFAULT-VALUE}); placeholders below.")
    String format;
    @Option(names = "--json", description = "Print each record as a JSON object with every field.")
    boolean json;
    @Option(names = "--key-format", paramLabel = "FORMAT", defaultValue = "string",
            description = "How keys are encoded: string, long, integer, double, hex or base64 (${DEFAULT-VALUE}).")
    BytesFormat keyFormat;
    @Option(names = "--value-format", paramLabel = "FORMAT", defaultValue = "string",
            description = "How values are encoded, as --key-format (${DEFAULT-VALUE}); long for the counts of a job.")
    BytesFormat valueFormat;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        long printed = 0;
        try (Cluster broker = data.clients(false); Consumer consumer = broker.consumer(consumerConfig())) {
            List<TopicPartition> partitions = Partitions.chosen(consumer, topic, onlyPartitions);
            consumer.assign(partitions);
            Map<TopicPartition, Long> start = startOffsets(consumer, partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, start.get(tp));
                if (start.get(tp) < end.get(tp)) {
                    open.add(tp);
                }
            }
            Map<TopicPartition, Long> next = new LinkedHashMap<>();
            while (!open.isEmpty() && (maxRecords == null || printed < maxRecords)) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp) || (maxRecords != null && printed >= maxRecords)) {
                        continue;
                    }
                    out.println(json ? toJson(r) : render(r));
                    printed++;
                    next.put(tp, r.offset() + 1);
                }
                open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
            out.flush();
            if (group != null && !next.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
                next.forEach((tp, o) -> commit.put(tp, OffsetAndMetadata.of(o)));
                consumer.commitSync(commit);
            }
        }
        spec.commandLine().getErr().printf("Consumed %d record%s from %s%n", printed, printed == 1 ? "" : "s", topic);
        return 0;
    }

    private void checkOptions() {
        int starts = (offset != null ? 1 : 0) + (fromTime != null ? 1 : 0) + (fromBeginning ? 1 : 0);
        if (starts > 1) {
            throw usage("--from-beginning, --offset and --from-time exclude each other");
        }
        if (offset != null && offset < 0) {
            throw usage("--offset must not be negative");
        }
        if (maxRecords != null && maxRecords < 0) {
            throw usage("--max-records must not be negative");
        }
        if (json && spec.commandLine().getParseResult().hasMatchedOption("--format")) {
            throw usage("--json and --format exclude each other");
        }
        if (!json) {
            validateTemplate(format);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private ConsumerConfig consumerConfig() {
        ConsumerConfig.Builder builder = ConsumerConfig.builder().enableAutoCommit(false);
        if (group != null) {
            builder.groupId(group);
        }
        return builder.build();
    }

    private Map<TopicPartition, Long> startOffsets(Consumer consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> start = new LinkedHashMap<>(first);
        if (offset != null) {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                start.put(tp, Math.min(Math.max(offset, first.get(tp)), end.get(tp)));
            }
        } else if (fromTime != null) {
            start.putAll(Partitions.offsetsAt(consumer, partitions, TimeArgument.parseMillis(fromTime)));
        } else if (group != null && !fromBeginning) {
            consumer.committed(new java.util.HashSet<>(partitions)).forEach((tp, committed) -> {
                if (committed != null) {
                    start.put(tp, Math.max(committed.offset(), first.get(tp)));
                }
            });
        }
        return start;
    }

    private void validateTemplate(String template) {
        int i = 0;
        while ((i = template.indexOf('{', i)) >= 0) {
            int close = template.indexOf('}', i);
            String name = close < 0 ? template.substring(i + 1) : template.substring(i + 1, close);
            if (close < 0 || !PLACEHOLDERS.contains(name)) {
                throw usage("Unknown placeholder {" + name + "} in --format (known: {" + String.join("} {",
                        PLACEHOLDERS) + "})");
            }
            i = close + 1;
        }
    }

    private String render(ConsumerRecord r) {
        StringBuilder s = new StringBuilder(format.length() + 64);
        int i = 0;
        while (i < format.length()) {
            int open = format.indexOf('{', i);
            if (open < 0) {
                s.append(format, i, format.length());
                break;
            }
            s.append(format, i, open);
            int close = format.indexOf('}', open);
            s.append(field(r, format.substring(open + 1, close)));
            i = close + 1;
        }
        return s.toString();
    }

    private String field(ConsumerRecord r, String name) {
        return switch (name) {
            case "topic" -> r.topic();
            case "partition" -> Integer.toString(r.partition());
            case "offset" -> Long.toString(r.offset());
            case "timestamp" -> Long.toString(r.timestamp());
            case "key" -> keyFormat.decode(r.key());
            case "value" -> valueFormat.decode(r.value());
            case "headers" -> headers(r.headers());
            default -> throw new IllegalStateException("Unknown placeholder: " + name);
        };
    }

    private static String headers(List<Header> headers) {
        StringBuilder s = new StringBuilder();
        for (Header h : headers) {
            s.append(s.length() == 0 ? "" : ",").append(h.key()).append('=').append(text(h.value()));
        }
        return s.toString();
    }

    private String toJson(ConsumerRecord r) throws Exception {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("topic", r.topic());
        node.put("partition", r.partition());
        node.put("offset", r.offset());
        node.put("timestamp", r.timestamp());
        node.put("key", r.key() == null ? null : keyFormat.decode(r.key()));
        node.put("value", r.value() == null ? null : valueFormat.decode(r.value()));
        ObjectNode headers = node.putObject("headers");
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : text(h.value()));
        }
        return Json.MAPPER.writeValueAsString(node);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
}
