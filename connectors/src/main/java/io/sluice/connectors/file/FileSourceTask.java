package io.sluice.connectors.file;

import io.sluice.connectors.SourceContext;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Tails its share of the files; see {@link FileSourceConnector}. One thread. */
final class FileSourceTask implements SourceTask {
    private final List<TailedFile> files = new ArrayList<>();
    private String topic;
    private int maxLines;

    @Override
    public void start(Map<String, String> config, SourceContext context) {
        topic = config.get(FileSourceConnector.TOPIC);
        maxLines = Integer.parseInt(config.getOrDefault(FileSourceConnector.BATCH_MAX_LINES, "10000"));
        for (String file : config.get(FileSourceConnector.FILE).split("\\s*,\\s*")) {
            Path path = Path.of(file).toAbsolutePath();
            Map<String, Object> stored = context.offset(Map.of("file", path.toString()));
            long position = stored == null ? 0 : ((Number) stored.get("position")).longValue();
            String storedKey = stored == null ? null : (String) stored.get("file.key");
            files.add(new TailedFile(path, position, storedKey));
        }
    }

    @Override
    public List<SourceRecord> poll() throws IOException, InterruptedException {
        List<SourceRecord> records = new ArrayList<>();
        for (TailedFile file : files) {
            file.readLines(records, maxLines - records.size(), topic);
            if (records.size() >= maxLines) {
                break;
            }
        }
        if (records.isEmpty()) {
            Thread.sleep(100); // nothing new anywhere: wait a little before looking again
        }
        return records;
    }

    @Override
    public void stop() {
        files.forEach(TailedFile::close);
    }

    /** A line longer than this is cut into records of this size, rather than held whole in memory. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /** One file followed from a position, across rotations. */
    private static final class TailedFile {
        private final Path path;
        private final Map<String, String> partition;
        private FileChannel channel;
        private Object fileKey;
        private String fileKeyText = "";
        /** The identity of the file the stored position is in; null once the file is open (or if none stored). */
        private String storedKey;
        private long position;
        private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

        TailedFile(Path path, long position, String storedKey) {
            this.path = path;
            this.partition = Map.of("file", path.toString());
            this.position = position;
            this.storedKey = storedKey;
        }

        /** Adds up to {@code max} complete lines after the position; handles rotation when there are none. */
        void readLines(List<SourceRecord> out, int max, String topic) throws IOException {
            if (channel == null && !open()) {
                return;
            }
            int added = read(out, max, topic, false);
            if (added == 0) {
                checkRotation(out, topic);
            }
        }

        private boolean open() throws IOException {
            try {
                Object before = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                channel = FileChannel.open(path, StandardOpenOption.READ);
                fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                if (!Objects.equals(before, fileKey)) {
                    close(); // replaced while being opened: which one is open is unknown, so again next poll
                    return false;
                }
            } catch (NoSuchFileException e) {
                close();
                return false; // not there yet (or renamed away): looked for again at the next poll
            }
            fileKeyText = fileKey == null ? "" : fileKey.toString();
            if (storedKey != null && !storedKey.isEmpty() && !fileKeyText.isEmpty() && !storedKey.equals(fileKeyText)) {
                position = 0; // another file than the stored position was in: replaced while stopped
            }
            storedKey = null;
            if (channel.size() < position) {
                position = 0; // truncated while stopped
            }
            return true;
        }

        /** Reads complete lines from the position; with {@code atEnd}, a last line without a line end too. */
        private int read(List<SourceRecord> out, int max, String topic, boolean atEnd) throws IOException {
            int added = 0;
            while (added < max) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n <= 0) {
                    return added;
                }
                byte[] a = buffer.array();
                int start = 0;
                for (int i = 0; i < n && added < max; i++) {
                    if (a[i] == '\n') {
                        emit(out, topic, a, start, i, position + i + 1);
                        start = i + 1;
                        added++;
                    }
                }
                if (start == 0) {
                    if (n == buffer.capacity() && n >= MAX_LINE_BYTES) {
                        emit(out, topic, a, 0, n, position + n); // a line this long goes on in the next record
                        position += n;
                        added++;
                        continue;
                    }
                    if (n == buffer.capacity()) {
                        buffer = ByteBuffer.allocate(buffer.capacity() * 2); // a line longer than the buffer
                        continue;
                    }
                    if (atEnd) {
                        emit(out, topic, a, 0, n, position + n);
                        position += n;
                        added++;
                    }
                    return added;
                }
                position += start;
            }
            return added;
        }

        private void emit(List<SourceRecord> out, String topic, byte[] a, int from, int to, long after) {
            int end = to > from && a[to - 1] == '\r' ? to - 1 : to;
            byte[] line = java.util.Arrays.copyOfRange(a, from, end);
            out.add(new SourceRecord(partition, Map.of("position", after, "file.key", fileKeyText), topic, null,
                    line, List.of(), SourceRecord.NO_TIMESTAMP));
        }

        /**
         * Renamed away and replaced: what the old file still holds (a last line without its line end too) is
         * read, then the new one from its start. Truncated in place: from its start.
         */
        private void checkRotation(List<SourceRecord> out, String topic) throws IOException {
            Object current;
            try {
                current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            } catch (NoSuchFileException e) {
                return; // renamed away, the new one not there yet
            }
            if (!Objects.equals(current, fileKey)) {
                read(out, Integer.MAX_VALUE, topic, true);
                close();
                position = 0;
                open();
            } else if (channel.size() < position) {
                position = 0;
            }
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing
                }
                channel = null;
            }
        }
    }
}
