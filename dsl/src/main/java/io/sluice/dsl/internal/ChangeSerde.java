package io.sluice.dsl.internal;

import io.sluice.engine.Serde;
import java.nio.ByteBuffer;

/**
 * Writes a {@link Change} through a repartition topic: {@code [old length: 4][old bytes][new bytes]}, a length of
 * -1 for a null old value, and an empty remainder (flagged by the last byte of the header) for a null new value.
 */
public final class ChangeSerde<V> implements Serde<Change<V>> {
    private final Serde<V> inner;

    public ChangeSerde(Serde<V> inner) {
        this.inner = inner;
    }

    @Override
    public byte[] serialize(Change<V> change) {
        if (change == null) {
            return null;
        }
        byte[] old = inner.serialize(change.oldValue());
        byte[] now = inner.serialize(change.newValue());
        int oldLength = old == null ? -1 : old.length;
        ByteBuffer out = ByteBuffer.allocate(5 + Math.max(0, oldLength) + (now == null ? 0 : now.length));
        out.putInt(oldLength);
        if (old != null) {
            out.put(old);
        }
        out.put((byte) (now == null ? 0 : 1));
        if (now != null) {
            out.put(now);
        }
        return out.array();
    }

    @Override
    public Change<V> deserialize(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int oldLength = in.getInt();
        byte[] old = null;
        if (oldLength >= 0) {
            old = new byte[oldLength];
            in.get(old);
        }
        byte[] now = null;
        if (in.get() == 1) {
            now = new byte[in.remaining()];
            in.get(now);
        }
        return new Change<>(inner.deserialize(old), inner.deserialize(now));
    }

    @Override
    public String name() {
        return "change(" + inner.name() + ")";
    }
}
