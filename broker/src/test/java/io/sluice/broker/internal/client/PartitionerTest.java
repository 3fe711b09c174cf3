package io.sluice.broker.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class PartitionerTest {

    @Test
    void shouldPutEveryKeyOnThePartitionKafkaClientsChoose() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            assertThat(Partitioner.partitionForKey(key, partitions))
                    .as("key %d of %d bytes over %d partitions", i, key.length, partitions)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
        }
    }

    @Test
    void shouldMatchKafkaForTypicalStringKeys() {
        for (String key : new String[] {"", "a", "ab", "abc", "abcd", "order-7", "customer-123456", "héllo"}) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            for (int partitions : new int[] {1, 3, 6, 12, 100}) {
                assertThat(Partitioner.partitionForKey(bytes, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(bytes, partitions));
            }
        }
    }

    @Test
    void shouldStickToOnePartitionForKeylessRecordsUntilBatchSizeThenMove() {
        Partitioner partitioner = new Partitioner(1000);
        int first = partitioner.partition("t", null, 100, 8);
        for (int i = 1; i < 10; i++) {
            assertThat(partitioner.partition("t", null, 100, 8)).isEqualTo(first);
        }
        int next = partitioner.partition("t", null, 100, 8);
        assertThat(next).isNotEqualTo(first);
    }

    @Test
    void shouldSpreadKeylessRecordsOverAllPartitions() {
        Partitioner partitioner = new Partitioner(100);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(partitioner.partition("t", null, 100, 6));
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
    }
}
