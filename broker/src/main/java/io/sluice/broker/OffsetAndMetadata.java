package io.sluice.broker;

/**
 * A committed consumer position: the offset of the next record to consume, and optional metadata.
 *
 * @param offset   the next offset to consume
 * @param metadata free-form text stored with the commit, never null
 */
public record OffsetAndMetadata(long offset, String metadata) {

    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("Invalid committed offset: offset=" + offset);
        }
        metadata = metadata == null ? "" : metadata;
    }

    public static OffsetAndMetadata of(long offset) {
        return new OffsetAndMetadata(offset, "");
    }
}
