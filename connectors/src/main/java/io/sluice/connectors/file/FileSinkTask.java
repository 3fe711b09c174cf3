package io.sluice.connectors.file;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.broker.ConsumerRecord;
import io.sluice.connectors.SinkContext;
import io.sluice.connectors.SinkTask;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/** Appends records to the file, or to standard output; see {@link FileSinkConnector}. One thread. */
final class FileSinkTask implements SinkTask {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Null when writing to a file. */
    private final java.io.PrintStream console;
    private FileChannel channel;
    private OutputStream out;
    private String format;

    FileSinkTask() {
        this(null);
    }

    FileSinkTask(java.io.PrintStream console) {
        this.console = console;
    }

    @Override
    public void start(Map<String, String> config, SinkContext context) throws IOException {
        format = config.getOrDefault(FileSinkConnector.FORMAT, "value");
        if (console != null) {
            out = new BufferedOutputStream(console, 64 * 1024);
            return;
        }
        Path file = Path.of(config.get(FileSinkConnector.FILE));
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
    }

    @Override
    public void put(List<ConsumerRecord> records) throws IOException {
        long sizeBefore = -1;
        if (channel != null) {
            out.flush(); // what earlier puts wrote is in the file, so that a failure here takes back only this put
            sizeBefore = channel.size();
        }
        try {
            write(records);
        } catch (IOException e) {
            if (sizeBefore >= 0) {
                // No half line stays behind for the retry to write after: the file as it was, an empty buffer.
                out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
                channel.truncate(sizeBefore);
            }
            throw e;
        }
    }

    private void write(List<ConsumerRecord> records) throws IOException {
        for (ConsumerRecord r : records) {
            switch (format) {
                case "key-value" -> {
                    write(r.key());
                    out.write('\t');
                    write(r.value());
                }
                case "json" -> {
                    ObjectNode node = JSON.createObjectNode().put("topic", r.topic()).put("partition", r.partition())
                            .put("offset", r.offset()).put("timestamp", r.timestamp())
                            .put("key", r.keyAsString()).put("value", r.valueAsString());
                    out.write(JSON.writeValueAsBytes(node));
                }
                default -> write(r.value());
            }
            out.write('\n');
        }
    }

    private void write(byte[] bytes) throws IOException {
        if (bytes != null) {
            out.write(bytes);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
        if (channel != null) {
            channel.force(false);
        }
    }

    @Override
    public void stop() throws IOException {
        if (out != null && console == null) {
            out.close();
        } else if (out != null) {
            out.flush(); // standard output stays open for the rest of the process
        }
    }
}
