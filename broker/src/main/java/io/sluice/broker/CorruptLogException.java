package io.sluice.broker;

import java.nio.file.Path;

/**
 * Stored bytes that fail validation (CRC32C, sizes, offsets). The corrupt data is never returned as records.
 * A torn tail is truncated on recovery; corruption found later, when reading, is reported with this exception.
 */
public class CorruptLogException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long position;

    public CorruptLogException(Path file, long position, String reason) {
        super("Corrupt log data: file=" + file + ", position=" + position + ", reason=" + reason);
        this.file = file;
        this.position = position;
    }

    public Path file() {
        return file;
    }

    public long position() {
        return position;
    }
}
