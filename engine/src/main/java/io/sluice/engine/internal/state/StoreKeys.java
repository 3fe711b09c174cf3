package io.sluice.engine.internal.state;

import java.util.Arrays;

/** Byte-array keys compared by content inside stores; every other key type is used as it is. */
final class StoreKeys {
    private StoreKeys() {
    }

    static Object wrap(Object key) {
        return key instanceof byte[] bytes ? new BytesKey(bytes) : key;
    }

    @SuppressWarnings("unchecked")
    static <K> K unwrap(Object key) {
        return (K) (key instanceof BytesKey b ? b.bytes : key);
    }

    /** Unsigned lexicographic order, as Kafka orders serialized keys. */
    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    private static final class BytesKey {
        private final byte[] bytes;
        private final int hash;

        BytesKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BytesKey other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
