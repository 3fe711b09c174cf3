package io.sluice.engine.internal.state;

import io.sluice.engine.Serde;
import io.sluice.engine.StateStore;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.internal.task.RecordCollector;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A store of one task that logs its changes: writes mark keys dirty, and {@link #flush} sends the latest value of
 * each dirty key to the changelog partition — so a key updated a thousand times between two commits costs one
 * changelog record. {@link #restore} applies changelog records on start. Written by the task's thread only;
 * reads may come from query threads, so the maps are concurrent.
 */
public abstract class LoggedStore implements StateStore, AutoCloseable {
    protected final StoreSpec spec;
    @SuppressWarnings("rawtypes")
    protected final Serde keySerde;
    @SuppressWarnings("rawtypes")
    protected final Serde valueSerde;
    private String changelogTopic;
    /** Whether {@link #changelogTopic} is the table's source topic, which the store reads and never writes. */
    private boolean sourceTopicAsChangelog;
    private final int partition;
    private LongSupplier streamTime = () -> Long.MIN_VALUE;

    protected LoggedStore(StoreSpec spec, String applicationId, int partition) {
        this.spec = spec;
        this.keySerde = spec.keySerde();
        this.valueSerde = spec.valueSerde();
        this.changelogTopic = spec.logged() ? spec.changelogTopic(applicationId) : null;
        this.partition = partition;
    }

    /** A new, empty store for one task; a persistent one lives under {@code taskDir}. */
    public static LoggedStore create(StoreSpec spec, String applicationId, int partition, Path taskDir) {
        if (spec.isPersistent()) {
            Path dir = taskDir.resolve(spec.name());
            return switch (spec.kind()) {
                case KEY_VALUE -> new RocksKeyValueStore<>(spec, applicationId, partition, dir);
                case WINDOW -> new RocksWindowStore<>(spec, applicationId, partition, dir);
                case SESSION -> new RocksSessionStore<>(spec, applicationId, partition, dir);
            };
        }
        return switch (spec.kind()) {
            case KEY_VALUE -> new InMemoryKeyValueStore<>(spec, applicationId, partition);
            case WINDOW -> new InMemoryWindowStore<>(spec, applicationId, partition);
            case SESSION -> new InMemorySessionStore<>(spec, applicationId, partition);
        };
    }

    @Override
    public String name() {
        return spec.name();
    }

    public StoreSpec spec() {
        return spec;
    }

    /** The changelog topic, or null for a store without one. */
    public String changelogTopic() {
        return changelogTopic;
    }

    /**
     * Makes the store's source topic its changelog (see {@link StoreSpec#restorableFrom}): it is restored from that
     * topic up to the task's committed offset, and {@link #flush} sends nothing.
     */
    public void useSourceTopicAsChangelog() {
        if (spec.sourceTopic() == null || !spec.logged()) {
            throw new IllegalStateException("Store has no source topic to restore from: store=" + spec.name());
        }
        changelogTopic = spec.sourceTopic();
        sourceTopicAsChangelog = true;
    }

    public boolean sourceTopicAsChangelog() {
        return sourceTopicAsChangelog;
    }

    public int partition() {
        return partition;
    }

    /** The task's stream time, which windowed stores use to drop expired windows. */
    public void streamTime(LongSupplier clock) {
        this.streamTime = clock;
    }

    protected long streamTime() {
        return streamTime.getAsLong();
    }

    /** Sends the latest value of every key changed since the last flush to the changelog, then forgets them. */
    public final void flush(RecordCollector collector, long timestamp) {
        expire(streamTime());
        if (changelogTopic == null || sourceTopicAsChangelog) {
            clearDirty();
            return;
        }
        flushDirty((key, value) -> collector.send(changelogTopic, partition, key, value, timestamp, List.of()));
    }

    /** Releases what the store holds outside the heap; in-memory stores hold nothing. */
    @Override
    public void close() {
    }

    /** Applies one changelog record (a null value deletes). */
    public abstract void restore(byte[] key, byte[] value);

    /** The number of entries. */
    public abstract long size();

    protected abstract void flushDirty(ChangelogSink sink);

    protected abstract void clearDirty();

    /** Drops what is older than the retention period; nothing for key-value stores. */
    protected void expire(long now) {
    }

    @SuppressWarnings("unchecked")
    protected byte[] keyBytes(Object key) {
        return keySerde.serialize(key);
    }

    @SuppressWarnings("unchecked")
    protected byte[] valueBytes(Object value) {
        return valueSerde.serialize(value);
    }

    /** Receives serialized changelog entries. */
    @FunctionalInterface
    protected interface ChangelogSink {
        void send(byte[] key, byte[] value);
    }
}
