package io.sluice.connectors.internal;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A sink's dead-letter topic: each rejected record as it was, with where it came from and why in headers named as
 * Kafka Connect names them ({@code __connect.errors.topic}, {@code …partition}, {@code …offset},
 * {@code …connector.name}, {@code …exception.class.name}, {@code …exception.message}).
 */
final class DeadLetters implements AutoCloseable {
    private static final String PREFIX = "__connect.errors.";

    private final String topic;
    private final String connector;
    private final Producer producer;
    private final List<java.util.concurrent.CompletableFuture<?>> unflushed = new ArrayList<>();

    DeadLetters(String topic, String connector, Cluster cluster) {
        this.topic = topic;
        this.connector = connector;
        try (Admin admin = cluster.admin()) {
            if (!admin.listTopics().contains(topic)) {
                admin.createTopic(NewTopic.of(topic, 1));
            }
        } catch (io.sluice.broker.TopicExistsException raced) {
            // another task made it first
        }
        this.producer = cluster.producer();
    }

    void send(ConsumerRecord record, Exception reason) {
        List<Header> headers = new ArrayList<>(record.headers());
        headers.add(header("topic", record.topic()));
        headers.add(header("partition", Integer.toString(record.partition())));
        headers.add(header("offset", Long.toString(record.offset())));
        headers.add(header("connector.name", connector));
        headers.add(header("exception.class.name", reason.getClass().getName()));
        headers.add(header("exception.message", String.valueOf(reason.getMessage())));
        unflushed.add(producer.send(new ProducerRecord(topic, ProducerRecord.ANY_PARTITION, record.key(),
                record.value(), record.timestamp(), headers)));
    }

    /** Waits until every record set aside is stored; throws if one could not be (nothing is committed then). */
    void flush() {
        producer.flush();
        unflushed.forEach(java.util.concurrent.CompletableFuture::join);
        unflushed.clear();
    }

    private static Header header(String name, String value) {
        return new Header(PREFIX + name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close();
    }
}
