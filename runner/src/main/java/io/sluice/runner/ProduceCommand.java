package io.sluice.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Header;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RecordMetadata;
import io.sluice.runner.internal.TimeArgument;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice produce TOPIC}: one record per line of standard input. A line that cannot become a record stops
 * the command with its line number; the lines before it have been written.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce records to a topic, one per line of standard input.",
        footer = {"", "Examples:", "  printf 'k1:hello\\nk2:world\\n' | sluice produce orders --key-separator :",
                "  echo '{\"key\":\"k1\",\"value\":{\"qty\":2},\"headers\":{\"source\":\"web\"}}' "
                        + "| sluice produce orders --json"})
final class ProduceCommand implements Callable<Integer> {
    /** Made on first use: an ObjectMapper costs ~60 ms, which every command's start would otherwise pay. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOption data;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = {"-K", "--key-separator"}, paramLabel = "SEP",
            description = "Split each line at the first SEP into key and value (a line without it is an error).")
    String keySeparator;
    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE",
            description = "A header on every record; repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();
    @Option(names = {"-p", "--partition"}, paramLabel = "P",
            description = "Write to this partition (default: by key, as Kafka's producer; keyless lines spread).")
    Integer partition;
    @Option(names = "--json", description = "Each line is a JSON object: \"value\" (any JSON; a string is taken as "
            + "it is), and optionally \"key\", \"headers\" (an object of strings), \"partition\", \"timestamp\".")
    boolean json;

    private int partitions;

    @Override
    public Integer call() throws IOException {
        if (json && keySeparator != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--json and --key-separator exclude each other");
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--key-separator must not be empty");
        }
        List<Header> fixedHeaders = new ArrayList<>();
        headers.forEach((name, value) -> fixedHeaders.add(new Header(name, utf8(value))));
        long sent = 0;
        try (Cluster broker = data.clients(false)) {
            try (Admin admin = broker.admin()) {
                // An unknown topic or partition fails here, before any input is read.
                partitions = admin.describeTopic(topic).partitions().size();
            }
            if (partition != null) {
                checkPartition(partition);
            }
            List<CompletableFuture<RecordMetadata>> pending = new ArrayList<>();
            try (Producer producer = broker.producer();
                 BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                long lineNumber = 0;
                while ((line = reader.readLine()) != null) {
                    lineNumber++;
                    ProducerRecord record;
                    try {
                        record = json ? fromJson(line, fixedHeaders) : fromText(line, fixedHeaders);
                    } catch (IllegalArgumentException e) {
                        producer.flush();
                        awaitAll(pending);
                        throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage() + " ("
                                + (lineNumber - 1) + " records before it were produced)");
                    }
                    pending.add(producer.send(record));
                    sent++;
                    if (pending.size() >= 10_000) {
                        awaitAll(pending);
                    }
                }
                producer.flush();
                awaitAll(pending);
            }
        }
        spec.commandLine().getErr().printf("Produced %d record%s to %s%n", sent, sent == 1 ? "" : "s", topic);
        return 0;
    }

    private static void awaitAll(List<CompletableFuture<RecordMetadata>> pending) {
        for (CompletableFuture<RecordMetadata> f : pending) {
            f.join();
        }
        pending.clear();
    }

    private ProducerRecord fromText(String line, List<Header> fixedHeaders) {
        byte[] key = null;
        String value = line;
        if (keySeparator != null) {
            int at = line.indexOf(keySeparator);
            if (at < 0) {
                throw new IllegalArgumentException("no key separator '" + keySeparator + "'");
            }
            key = utf8(line.substring(0, at));
            value = line.substring(at + keySeparator.length());
        }
        return record(key, utf8(value), fixedHeaders, partition, ProducerRecord.NO_TIMESTAMP);
    }

    private ProducerRecord fromJson(String line, List<Header> fixedHeaders) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!List.of("key", "value", "headers", "partition", "timestamp").contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + name
                        + "\" (fields: key, value, headers, partition, timestamp)");
            }
        }
        List<Header> recordHeaders = new ArrayList<>(fixedHeaders);
        JsonNode h = node.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                throw new IllegalArgumentException("\"headers\" must be an object of strings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                recordHeaders.add(new Header(e.getKey(), e.getValue().isNull() ? null : utf8(text(e.getValue()))));
            }
        }
        Integer p = partition;
        JsonNode pNode = node.get("partition");
        if (pNode != null && !pNode.isNull()) {
            if (!pNode.canConvertToInt() || !pNode.isIntegralNumber() || pNode.intValue() < 0) {
                throw new IllegalArgumentException("\"partition\" must be a partition number");
            }
            p = pNode.intValue();
            checkPartition(p);
        }
        long timestamp = ProducerRecord.NO_TIMESTAMP;
        JsonNode tNode = node.get("timestamp");
        if (tNode != null && !tNode.isNull()) {
            timestamp = tNode.isIntegralNumber() ? tNode.longValue() : TimeArgument.parseMillis(tNode.asText());
        }
        return record(bytesOf(node.get("key")), bytesOf(node.get("value")), recordHeaders, p, timestamp);
    }

    private void checkPartition(int p) {
        if (p < 0 || p >= partitions) {
            throw new IllegalArgumentException("No partition " + p + " in topic " + topic + ": it has " + partitions);
        }
    }

    private ProducerRecord record(byte[] key, byte[] value, List<Header> recordHeaders, Integer p, long timestamp) {
        return new ProducerRecord(topic, p == null ? ProducerRecord.ANY_PARTITION : p, key, value, timestamp,
                recordHeaders);
    }

    /** A JSON string as its text; any other JSON as its compact form; absent or null as null. */
    private static byte[] bytesOf(JsonNode node) {
        return node == null || node.isNull() ? null : utf8(text(node));
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.textValue() : node.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
