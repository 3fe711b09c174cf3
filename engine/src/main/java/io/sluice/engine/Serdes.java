package io.sluice.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * The built-in serdes. The numeric ones use Kafka's encodings (big-endian, fixed width) and UUIDs are their
 * string form, so topics written by sluice read the same in Kafka clients and back.
 */
public final class Serdes {
    /** Made on first use: building it (modules found on the class path) costs a program's start ~100 ms. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private static final Serde<String> STRING = of("string", s -> s.getBytes(StandardCharsets.UTF_8),
            b -> new String(b, StandardCharsets.UTF_8));
    private static final Serde<Long> LONG = of("long", Serdes::longBytes, b -> fixed(b, 8, "long").getLong());
    private static final Serde<Integer> INTEGER = of("integer", Serdes::intBytes,
            b -> fixed(b, 4, "integer").getInt());
    private static final Serde<Double> DOUBLE = of("double", v -> longBytes(Double.doubleToLongBits(v)),
            b -> fixed(b, 8, "double").getDouble());
    private static final Serde<byte[]> BYTES = of("bytes", b -> b, b -> b);
    private static final Serde<UUID> UUID_SERDE = of("uuid", u -> u.toString().getBytes(StandardCharsets.UTF_8),
            b -> UUID.fromString(new String(b, StandardCharsets.UTF_8)));

    private Serdes() {
    }

    /** UTF-8 text. */
    public static Serde<String> string() {
        return STRING;
    }

    /** 8 bytes, big-endian (Kafka's LongSerializer). */
    public static Serde<Long> longs() {
        return LONG;
    }

    /** 4 bytes, big-endian (Kafka's IntegerSerializer). */
    public static Serde<Integer> integers() {
        return INTEGER;
    }

    /** 8 bytes, IEEE 754 big-endian (Kafka's DoubleSerializer). */
    public static Serde<Double> doubles() {
        return DOUBLE;
    }

    /** The bytes as they are. */
    public static Serde<byte[]> bytes() {
        return BYTES;
    }

    /** The UUID's string form in UTF-8 (Kafka's UUIDSerializer). */
    public static Serde<UUID> uuid() {
        return UUID_SERDE;
    }

    /** JSON through Jackson, for Java records and POJOs; unknown properties are ignored when reading. */
    public static <T> Serde<T> json(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return of("json(" + type.getName() + ")", value -> {
            try {
                return Json.MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write JSON: type=" + type.getName(), e);
            }
        }, bytes -> {
            try {
                return Json.MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read JSON: type=" + type.getName() + ", reason="
                        + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
            }
        });
    }

    /** A serde from two functions; neither is called with null. */
    public static <T> Serde<T> of(String name, Function<T, byte[]> serializer, Function<byte[], T> deserializer) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(serializer, "serializer");
        Objects.requireNonNull(deserializer, "deserializer");
        return new Serde<>() {
            @Override
            public byte[] serialize(T value) {
                return value == null ? null : serializer.apply(value);
            }

            @Override
            public T deserialize(byte[] bytes) {
                return bytes == null ? null : deserializer.apply(bytes);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String toString() {
                return "Serde[" + name + "]";
            }
        };
    }

    private static byte[] longBytes(long v) {
        return new byte[] {(byte) (v >>> 56), (byte) (v >>> 48), (byte) (v >>> 40), (byte) (v >>> 32),
            (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static ByteBuffer fixed(byte[] bytes, int size, String type) {
        if (bytes.length != size) {
            throw new IllegalArgumentException("Cannot read " + type + ": expected " + size + " bytes, got "
                    + bytes.length);
        }
        return ByteBuffer.wrap(bytes);
    }
}
