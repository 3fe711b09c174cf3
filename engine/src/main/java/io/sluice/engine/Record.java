package io.sluice.engine;

import io.sluice.broker.Header;
import java.util.ArrayList;
import java.util.List;

/**
 * A record flowing through a topology: key, value, event timestamp and headers. Immutable; the {@code with…}
 * methods return copies, so a processor changes what it forwards without touching what it received.
 *
 * @param key       the key, may be null
 * @param value     the value, may be null (a tombstone for tables)
 * @param timestamp event time, milliseconds since the epoch
 * @param headers   the headers, never null
 */
public record Record<K, V>(K key, V value, long timestamp, List<Header> headers) {
    public Record {
        headers = headers == null ? List.of() : headers;
    }

    public Record(K key, V value, long timestamp) {
        this(key, value, timestamp, List.of());
    }

    public <K2> Record<K2, V> withKey(K2 newKey) {
        return new Record<>(newKey, value, timestamp, headers);
    }

    public <V2> Record<K, V2> withValue(V2 newValue) {
        return new Record<>(key, newValue, timestamp, headers);
    }

    public <K2, V2> Record<K2, V2> with(K2 newKey, V2 newValue) {
        return new Record<>(newKey, newValue, timestamp, headers);
    }

    public Record<K, V> withTimestamp(long newTimestamp) {
        return new Record<>(key, value, newTimestamp, headers);
    }

    public Record<K, V> withHeaders(List<Header> newHeaders) {
        return new Record<>(key, value, timestamp, List.copyOf(newHeaders));
    }

    public Record<K, V> withHeader(String name, byte[] headerValue) {
        List<Header> more = new ArrayList<>(headers.size() + 1);
        more.addAll(headers);
        more.add(new Header(name, headerValue));
        return new Record<>(key, value, timestamp, List.copyOf(more));
    }
}
