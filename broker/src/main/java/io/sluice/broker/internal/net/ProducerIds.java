package io.sluice.broker.internal.net;

import io.sluice.broker.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Hands out producer ids that are never reused by this data directory: ids come in blocks of {@value #BLOCK}, and
 * the end of the block in use is written (and fsynced) before any id of it is given, so a restart starts after it.
 */
final class ProducerIds {
    static final int BLOCK = 1_000;

    private final Path file;
    private long next;
    private long blockEnd;

    ProducerIds(Path dataDir) {
        this.file = dataDir.resolve("producer-ids");
        long start = 0;
        try {
            if (Files.exists(file)) {
                start = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException | NumberFormatException e) {
            throw new StorageException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        this.next = start;
        this.blockEnd = start;
    }

    synchronized long next() {
        if (next == blockEnd) {
            long end = blockEnd + BLOCK;
            Path tmp = file.resolveSibling("producer-ids.tmp");
            try {
                Files.writeString(tmp, Long.toString(end), StandardCharsets.UTF_8);
                try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new StorageException("Cannot write " + file + ": " + e.getMessage(), e);
            }
            blockEnd = end;
        }
        return next++;
    }
}
