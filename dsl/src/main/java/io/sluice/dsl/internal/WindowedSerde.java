package io.sluice.dsl.internal;

import io.sluice.engine.Serde;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A windowed key as {@code [key bytes][window start: 8][window end: 8]}, big-endian. */
public final class WindowedSerde<K> implements Serde<Windowed<K>> {
    private final Serde<K> keySerde;

    public WindowedSerde(Serde<K> keySerde) {
        this.keySerde = keySerde;
    }

    @Override
    public byte[] serialize(Windowed<K> value) {
        if (value == null) {
            return null;
        }
        byte[] key = keySerde.serialize(value.key());
        int length = key == null ? 0 : key.length;
        ByteBuffer out = ByteBuffer.allocate(length + 16);
        if (key != null) {
            out.put(key);
        }
        return out.putLong(value.window().start()).putLong(value.window().end()).array();
    }

    @Override
    public Windowed<K> deserialize(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < 16) {
            throw new IllegalArgumentException("Cannot read a windowed key: " + bytes.length + " bytes, need 16+");
        }
        ByteBuffer times = ByteBuffer.wrap(bytes, bytes.length - 16, 16);
        long start = times.getLong();
        long end = times.getLong();
        return Windowed.of(keySerde.deserialize(Arrays.copyOf(bytes, bytes.length - 16)), start, end);
    }

    @Override
    public String name() {
        return "windowed(" + keySerde.name() + ")";
    }
}
