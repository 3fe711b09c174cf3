package io.sluice.runner.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A data directory for a command: the one the user named, or a temporary one removed when the command ends. */
public final class DataDirectory implements AutoCloseable {
    private final Path path;
    private final boolean temporary;

    private DataDirectory(Path path, boolean temporary) {
        this.path = path;
        this.temporary = temporary;
    }

    /** {@code given} if not null, else a new temporary directory named after {@code purpose}. */
    public static DataDirectory of(Path given, String purpose) {
        if (given != null) {
            return new DataDirectory(given, false);
        }
        try {
            return new DataDirectory(Files.createTempDirectory("sluice-" + purpose + "-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    public Path path() {
        return path;
    }

    public boolean temporary() {
        return temporary;
    }

    @Override
    public void close() {
        if (!temporary) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove temporary data directory: " + path, e);
        }
    }
}
