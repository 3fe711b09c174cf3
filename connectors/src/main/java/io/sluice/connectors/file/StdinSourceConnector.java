package io.sluice.connectors.file;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SourceConnector;
import io.sluice.connectors.SourceContext;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Standard input into a topic, one record per line, for shell pipelines: {@code tail -f x | sluice connect …}.
 * It ends when its input does; having no position to resume from, it stores none. Keys: {@code topic}. One task.
 */
public final class StdinSourceConnector implements SourceConnector {
    @Override
    public ConfigDefinition config() {
        return new ConfigDefinition("stdin source connector")
                .define(FileSourceConnector.TOPIC, ConfigDefinition.Type.STRING, null, "", "the topic lines go to");
    }


    @Override
    public Supplier<SourceTask> task() {
        return StdinTask::new;
    }

    private static final class StdinTask implements SourceTask {
        private BufferedReader in;
        private String topic;
        private Thread reader;
        private final java.util.concurrent.BlockingQueue<String> lines =
                new java.util.concurrent.ArrayBlockingQueue<>(10_000);
        private volatile boolean ended;

        @Override
        public void start(Map<String, String> config, SourceContext context) {
            topic = config.get(FileSourceConnector.TOPIC);
            in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            // Reading blocks: a thread of its own, so that poll can return while no line comes.
            reader = new Thread(() -> {
                try {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.put(line);
                    }
                } catch (IOException | InterruptedException e) {
                    // closed or stopping: the end of input
                } finally {
                    ended = true;
                }
            }, "connect-stdin");
            reader.setDaemon(true);
            reader.start();
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            List<SourceRecord> records = new ArrayList<>();
            String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            while (line != null) {
                records.add(SourceRecord.of(Map.of(), Map.of(), topic, line));
                line = records.size() < 10_000 ? lines.poll() : null;
            }
            return records.isEmpty() && ended && lines.isEmpty() ? null : records;
        }

        @Override
        public void stop() {
            reader.interrupt();
        }
    }
}
