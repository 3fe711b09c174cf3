package io.sluice.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a state store is: its name, kind, serdes and, for windowed kinds, window size and retention. Its changelog
 * topic is {@code <application.id>-<name>-changelog}, so the name is the store's identity across restarts and
 * topology changes. Immutable.
 */
public final class StoreSpec {
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    /** The kinds of store. */
    public enum Kind { KEY_VALUE, WINDOW, SESSION }

    private final String name;
    private final Kind kind;
    private final Serde<?> keySerde;
    private final Serde<?> valueSerde;
    private final long windowSizeMs;
    private final long retentionMs;
    private final boolean logged;
    private final boolean persistent;
    private final String sourceTopic;

    private StoreSpec(String name, Kind kind, Serde<?> keySerde, Serde<?> valueSerde, long windowSizeMs,
                      long retentionMs, boolean logged, boolean persistent, String sourceTopic) {
        this.name = Objects.requireNonNull(name, "name");
        if (!LEGAL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid store name: name=" + name
                    + ", reason=use 1 to 200 of [a-zA-Z0-9._-], as it becomes part of a topic name");
        }
        this.kind = kind;
        this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
        this.valueSerde = Objects.requireNonNull(valueSerde, "valueSerde");
        this.windowSizeMs = windowSizeMs;
        this.retentionMs = retentionMs;
        this.logged = logged;
        this.persistent = persistent;
        this.sourceTopic = sourceTopic;
    }

    /** A key-value store. */
    public static StoreSpec keyValue(String name, Serde<?> keySerde, Serde<?> valueSerde) {
        return new StoreSpec(name, Kind.KEY_VALUE, keySerde, valueSerde, 0, Long.MAX_VALUE, true, false, null);
    }

    /** A store of fixed-size windows, kept for {@code retention} behind stream time (at least the window size). */
    public static StoreSpec window(String name, Serde<?> keySerde, Serde<?> valueSerde, Duration windowSize,
                                   Duration retention) {
        long size = windowSize.toMillis();
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid window size: store=" + name + ", size=" + windowSize);
        }
        return new StoreSpec(name, Kind.WINDOW, keySerde, valueSerde, size, Math.max(size, retention.toMillis()),
                true, false, null);
    }

    /** A session store, keeping sessions whose end is within {@code retention} of stream time. */
    public static StoreSpec session(String name, Serde<?> keySerde, Serde<?> valueSerde, Duration retention) {
        return new StoreSpec(name, Kind.SESSION, keySerde, valueSerde, 0, retention.toMillis(), true, false, null);
    }

    /** The same store without a changelog: its content is lost on restart. */
    public StoreSpec withoutChangelog() {
        return new StoreSpec(name, kind, keySerde, valueSerde, windowSizeMs, retentionMs, false, persistent,
                sourceTopic);
    }

    /**
     * The same store on local disk (RocksDB, under the job's {@code state.dir}) instead of in memory: for state
     * larger than the heap. Rebuilt from its changelog when a task starts, like an in-memory store.
     */
    public StoreSpec persistent() {
        return new StoreSpec(name, kind, keySerde, valueSerde, windowSizeMs, retentionMs, logged, true, sourceTopic);
    }

    /**
     * The same key-value store, declared to hold exactly the records of {@code topic} key for key, with the same
     * serdes (a table read from that topic). When {@code topic} is compacted, the store is restored from it, up to
     * its task's committed offset, and writes no changelog of its own: a table costs no second copy of its topic
     * (Kafka Streams' {@code reuse.ktable.source.topics}, which is off by default there). A topic whose records
     * expire may delete what the store still needs, so over such a topic the store keeps its own changelog. The
     * choice is made when the job first runs and recorded with its state; a later run that finds the topic no
     * longer compacted refuses to start.
     */
    public StoreSpec restorableFrom(String topic) {
        if (kind != Kind.KEY_VALUE) {
            throw new IllegalArgumentException("Only a key-value store can be restored from its source topic: store="
                    + name + ", kind=" + kind);
        }
        return new StoreSpec(name, kind, keySerde, valueSerde, windowSizeMs, retentionMs, logged, persistent,
                Objects.requireNonNull(topic, "topic"));
    }

    /** The topic this store may be restored from instead of a changelog of its own, or null. */
    public String sourceTopic() {
        return sourceTopic;
    }

    public boolean isPersistent() {
        return persistent;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public Serde<?> keySerde() {
        return keySerde;
    }

    public Serde<?> valueSerde() {
        return valueSerde;
    }

    public long windowSizeMs() {
        return windowSizeMs;
    }

    public long retentionMs() {
        return retentionMs;
    }

    public boolean logged() {
        return logged;
    }

    /** The changelog topic of this store in the job {@code applicationId}. */
    public String changelogTopic(String applicationId) {
        return applicationId + "-" + name + "-changelog";
    }

    /** Kind, serdes and window size: what must not change while the store's changelog holds data. */
    public String signature() {
        return kind + "(key=" + keySerde.name() + ", value=" + valueSerde.name()
                + (kind == Kind.WINDOW ? ", size=" + windowSizeMs + "ms" : "") + ")";
    }

    @Override
    public String toString() {
        return "StoreSpec[" + name + ": " + signature() + (persistent ? ", RocksDB" : "") + "]";
    }
}
