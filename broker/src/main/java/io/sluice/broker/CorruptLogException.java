package io.sluice.broker;

import java.nio.file.Path;

/**
 * Stored bytes that fail validation (CRC32C, sizes, offsets) or cannot be decoded (a record that runs past its
 * batch, a batch flagged compressed whose bytes are not). The corrupt data is never returned as records. A torn tail
 * is truncated on recovery; corruption found later, when reading, is reported with this exception, which names the
 * segment file and the position of the batch in it: a consumer can {@code seek} past the batch.
 */
public class CorruptLogException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long position;
    private final transient TopicPartition topicPartition;
    private final long offset;

    public CorruptLogException(Path file, long position, String reason) {
        super("Corrupt log data: file=" + file + ", position=" + position + ", reason=" + reason);
        this.file = file;
        this.position = position;
        this.topicPartition = null;
        this.offset = -1;
    }

    /**
     * @param offset the base offset of the corrupt batch, or where the reader was if the batch's header is unreadable
     * @param cause  what the decoder threw, or null
     */
    public CorruptLogException(TopicPartition topicPartition, Path file, long position, long offset, String reason,
                               Throwable cause) {
        super("Corrupt log data: partition=" + topicPartition + ", file=" + file + ", position=" + position
                + ", offset=" + offset + ", reason=" + reason, cause);
        this.file = file;
        this.position = position;
        this.topicPartition = topicPartition;
        this.offset = offset;
    }

    /** The segment file. */
    public Path file() {
        return file;
    }

    /** Where the corrupt batch starts in the file. */
    public long position() {
        return position;
    }

    /** The partition whose log holds the file, or null if not known. */
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The corrupt batch's base offset (or the reader's offset), or -1 if not known. */
    public long offset() {
        return offset;
    }
}
