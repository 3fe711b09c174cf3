package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes.DoubleSerde;
import org.apache.kafka.common.serialization.Serdes.IntegerSerde;
import org.apache.kafka.common.serialization.Serdes.LongSerde;
import org.apache.kafka.common.serialization.Serdes.UUIDSerde;
import org.junit.jupiter.api.Test;

/** The built-in serdes write what Kafka's serializers write. */
class SerdesTest {
    record Order(String id, long cents, java.util.List<String> items) {
    }

    @Test
    void shouldWriteTheBytesOfKafkasSerializers() {
        for (long v : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1234567890123L}) {
            assertThat(Serdes.longs().serialize(v)).isEqualTo(new LongSerde().serializer().serialize("t", v));
            assertThat(Serdes.longs().deserialize(Serdes.longs().serialize(v))).isEqualTo(v);
        }
        for (int v : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThat(Serdes.integers().serialize(v)).isEqualTo(new IntegerSerde().serializer().serialize("t", v));
            assertThat(Serdes.integers().deserialize(Serdes.integers().serialize(v))).isEqualTo(v);
        }
        for (double v : new double[] {0.0, -1.5, Double.MAX_VALUE, Double.NaN}) {
            assertThat(Serdes.doubles().serialize(v)).isEqualTo(new DoubleSerde().serializer().serialize("t", v));
            assertThat(Serdes.doubles().deserialize(Serdes.doubles().serialize(v))).isEqualTo(Double.valueOf(v));
        }
        UUID id = UUID.randomUUID();
        assertThat(Serdes.uuid().serialize(id)).isEqualTo(new UUIDSerde().serializer().serialize("t", id));
        assertThat(Serdes.uuid().deserialize(Serdes.uuid().serialize(id))).isEqualTo(id);
    }

    @Test
    void shouldRoundTripJavaRecordsAsJsonAndKeepNullsNull() {
        Serde<Order> json = Serdes.json(Order.class);
        Order order = new Order("o-1", 4200, java.util.List.of("pen", "ink"));
        assertThat(json.deserialize(json.serialize(order))).isEqualTo(order);
        assertThat(new String(json.serialize(order), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"o-1\",\"cents\":4200,\"items\":[\"pen\",\"ink\"]}");
        assertThat(json.serialize(null)).isNull();
        assertThat(json.deserialize(null)).isNull();
        assertThat(json.deserialize("{\"id\":\"o-2\",\"extra\":1}".getBytes())).isEqualTo(new Order("o-2", 0, null));
    }

    @Test
    void shouldNameWhatItCannotRead() {
        assertThatThrownBy(() -> Serdes.longs().deserialize(new byte[3]))
                .hasMessageContaining("expected 8 bytes, got 3");
        assertThatThrownBy(() -> Serdes.json(Order.class).deserialize("{oops".getBytes()))
                .hasMessageContaining("Cannot read JSON: type=");
    }
}
