package io.sluice.engine.internal.state;

import io.sluice.engine.StoreSpec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the RocksDB stores share: the table, changelog flushing, size, and expiry of time-keyed entries by a
 * full scan — at most once per quarter of the retention period of stream time.
 */
abstract class RocksStore extends LoggedStore {
    final RocksTable table;
    private final long retentionMs;
    private long lastExpiry = Long.MIN_VALUE;

    RocksStore(StoreSpec spec, String applicationId, int partition, Path dir) {
        super(spec, applicationId, partition);
        this.table = new RocksTable(dir);
        this.retentionMs = spec.retentionMs();
    }

    /**
     * Deletes entries whose time — the 8 bytes at {@code timeOffsetFromEnd} from the key's end — is at or before
     * {@code now - retention - extraMs}.
     */
    final void expireByTime(long now, int timeOffsetFromEnd, long extraMs) {
        if (now == Long.MIN_VALUE || (lastExpiry != Long.MIN_VALUE && now - lastExpiry < retentionMs / 4)) {
            return;
        }
        lastExpiry = now;
        long lastExpired = now - retentionMs - extraMs;
        List<byte[]> expired = new ArrayList<>();
        table.scan(null, null, (rk, v) -> {
            if ((ByteBuffer.wrap(rk, rk.length - timeOffsetFromEnd, 8).getLong() ^ Long.MIN_VALUE) <= lastExpired) {
                expired.add(rk);
            }
        });
        expired.forEach(rk -> table.restore(rk, null));
    }

    /** RocksDB's estimate: approximate, unlike the in-memory stores' counts. */
    @Override
    public long size() {
        return table.estimatedSize();
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        table.takeDirty().forEach((k, v) -> sink.send(k.bytes(), v));
    }

    @Override
    protected void clearDirty() {
        table.takeDirty();
    }

    @Override
    public void close() {
        table.close();
    }
}
