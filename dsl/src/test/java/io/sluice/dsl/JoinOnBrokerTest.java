package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.Serdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A stream–table join on the embedded broker, with both topics written before the job starts. */
@Timeout(60)
class JoinOnBrokerTest {
    private static final int PRODUCTS = 3_000;
    private static final int ORDERS = 30_000;

    @TempDir
    Path dir;

    /**
     * The products are older than every order, so every order finds its product — although one poll returns one
     * partition's records at a time and an order partition may be read before its product partition: a task waits
     * for an input that is not read to its end. With {@code buffered.records.per.partition} at 1, every wait also
     * pauses the input the task holds records of, until it has worked them off.
     */
    @ParameterizedTest
    @ValueSource(ints = {1_000, 1})
    void shouldJoinEveryOrderWithTheProductWrittenBeforeIt(int bufferedPerPartition) throws Exception {
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                for (String topic : new String[] {"products", "orders", "enriched"}) {
                    admin.createTopic(NewTopic.of(topic, 3));
                }
            }
            Random random = new Random(3);
            try (Producer producer = broker.producer()) {
                for (int i = 0; i < PRODUCTS; i++) {
                    producer.send(ProducerRecord.of("products", "p-" + i, "product " + i).withTimestamp(1_000));
                }
                for (int i = 0; i < ORDERS; i++) {
                    producer.send(ProducerRecord.of("orders", "p-" + random.nextInt(PRODUCTS), "order " + i)
                            .withTimestamp(2_000 + i));
                }
                producer.flush();
            }
            Pipeline p = Pipeline.named("enrich");
            Table<String, String> products = p.table("products", Serdes.string(), Serdes.string());
            p.stream("orders", Serdes.string())
                    .join(products, (order, product) -> order + " of " + product).withValueSerde(Serdes.string())
                    .to("enriched");
            JobConfig config = JobConfig.defaults().with(JobConfig.MAX_POLL_RECORDS, 500)
                    .with(JobConfig.BUFFERED_RECORDS_PER_PARTITION, bufferedPerPartition);
            try (Job job = Job.start(p.build(), broker, config)) {
                assertThat(job.awaitProcessed(Duration.ofSeconds(30))).isTrue();
                if (bufferedPerPartition == 1) {
                    assertThat(job.metrics()).containsKey("input-pauses{thread=enrich-stream-0}");
                }
            }
            try (Consumer consumer = broker.consumer()) {
                long joined = consumer.endOffsets(consumer.partitionsFor("enriched")).values().stream()
                        .mapToLong(Long::longValue).sum();
                assertThat(joined).isEqualTo(ORDERS);
            }
        }
    }
}
