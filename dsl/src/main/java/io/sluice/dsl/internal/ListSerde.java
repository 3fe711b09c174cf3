package io.sluice.dsl.internal;

import io.sluice.engine.Serde;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A list of values as {@code [count: 4]([length: 4][bytes])*}; a null element has length -1. */
public final class ListSerde<V> implements Serde<List<V>> {
    private final Serde<V> inner;

    public ListSerde(Serde<V> inner) {
        this.inner = inner;
    }

    @Override
    public byte[] serialize(List<V> values) {
        if (values == null) {
            return null;
        }
        List<byte[]> parts = new ArrayList<>(values.size());
        int size = 4;
        for (V v : values) {
            byte[] b = inner.serialize(v);
            parts.add(b);
            size += 4 + (b == null ? 0 : b.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(parts.size());
        for (byte[] b : parts) {
            out.putInt(b == null ? -1 : b.length);
            if (b != null) {
                out.put(b);
            }
        }
        return out.array();
    }

    @Override
    public List<V> deserialize(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int count = in.getInt();
        List<V> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = in.getInt();
            if (length < 0) {
                values.add(null);
            } else {
                byte[] b = new byte[length];
                in.get(b);
                values.add(inner.deserialize(b));
            }
        }
        return values;
    }

    @Override
    public String name() {
        return "list(" + inner.name() + ")";
    }
}
