package io.sluice.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record header: a string key and an optional byte value. Keys need not be unique within a record.
 *
 * @param key   the header key, never null
 * @param value the header value, may be null
 */
public record Header(String key, byte[] value) {

    public Header {
        Objects.requireNonNull(key, "header key");
    }

    /** A header whose value is the UTF-8 encoding of {@code value}. */
    public static Header of(String key, String value) {
        return new Header(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value decoded as UTF-8, or null. */
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header other && key.equals(other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header[key=" + key + ", value=" + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
