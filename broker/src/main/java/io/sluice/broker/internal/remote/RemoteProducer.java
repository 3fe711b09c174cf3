package io.sluice.broker.internal.remote;

import io.sluice.broker.Callback;
import io.sluice.broker.Header;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RecordMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.FailureCallback;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@link Producer} over Kafka's producer: sluice's records and callbacks, Kafka's protocol. */
public final class RemoteProducer implements Producer {
    private final KafkaProducer<byte[], byte[]> producer;

    public RemoteProducer(Properties properties) {
        this.producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        send(record, (metadata, error) -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(metadata);
            }
        });
        return future;
    }

    @Override
    public void send(ProducerRecord record, Callback callback) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            headers.add(h.key(), h.value());
        }
        var kafkaRecord = new org.apache.kafka.clients.producer.ProducerRecord<>(record.topic(),
                record.partition() == ProducerRecord.ANY_PARTITION ? null : record.partition(),
                record.timestamp() == ProducerRecord.NO_TIMESTAMP ? null : record.timestamp(), record.key(),
                record.value(), headers);
        try {
            boolean wantsSuccess = FailureCallback.wantsSuccess(callback);
            producer.send(kafkaRecord, (metadata, error) -> {
                if (error != null) {
                    callback.onCompletion(null, RemoteErrors.translate(error, record.topic()));
                } else if (wantsSuccess) {
                    callback.onCompletion(new RecordMetadata(new TopicPartition(metadata.topic(),
                            metadata.partition()), metadata.offset(), metadata.timestamp()), null);
                }
            });
        } catch (RuntimeException e) {
            callback.onCompletion(null, RemoteErrors.translate(e, record.topic()));
        }
    }

    @Override
    public void flush() {
        producer.flush();
    }

    @Override
    public List<TopicPartition> partitionsFor(String topic) {
        return producer.partitionsFor(topic).stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
    }

    @Override
    public void close() {
        producer.close();
    }

    @Override
    public void close(Duration timeout) {
        producer.close(timeout);
    }
}
