package io.sluice.engine.internal.task;

import io.sluice.engine.Cancellable;
import io.sluice.engine.ProcessingException;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.PunctuationType;
import io.sluice.engine.Punctuator;
import io.sluice.engine.Record;
import io.sluice.engine.StateStore;
import io.sluice.engine.TaskId;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/** Runs one processor instance of a task; it is also that processor's context. */
final class ProcessorNode extends Node implements ProcessorContext {
    private final Task task;
    private final Processor<Object, Object> processor;
    private final Set<String> stores;

    ProcessorNode(String name, Processor<Object, Object> processor, Set<String> stores, Task task) {
        super(name);
        this.processor = Objects.requireNonNull(processor, () -> "Processor supplier returned null: node=" + name);
        this.stores = stores;
        this.task = task;
    }

    @Override
    void init() {
        try {
            processor.init(this);
        } catch (ProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProcessingException("Processor failed in init", name, task.id(), null, -1, -1, e);
        }
    }

    @Override
    void process(Record<Object, Object> record) {
        try {
            if (task.profiling()) {
                long start = task.startTimed();
                try {
                    processor.process(record);
                } finally {
                    task.endTimed(name, start);
                }
            } else {
                processor.process(record);
            }
        } catch (ProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProcessingException("Processor failed", name, task.id(), task.currentTopic(),
                    task.currentPartition(), task.currentOffset(), e);
        }
    }

    void punctuate(Punctuator punctuator, long timestamp) {
        try {
            punctuator.punctuate(timestamp);
        } catch (ProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProcessingException("Punctuation failed", name, task.id(), null, -1, -1, e);
        }
    }

    @Override
    void flush() {
        try {
            processor.flush();
        } catch (ProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProcessingException("Processor failed to flush", name, task.id(), null, -1, -1, e);
        }
    }

    @Override
    boolean holdsInput() {
        return processor.holdsInput();
    }

    @Override
    void close() {
        processor.close();
    }

    @Override
    public long cacheMaxRecords() {
        return task.cacheMaxRecords();
    }

    @Override
    public String applicationId() {
        return task.applicationId();
    }

    @Override
    public TaskId taskId() {
        return task.id();
    }

    @Override
    public String processorName() {
        return name;
    }

    @Override
    public String topic() {
        return task.currentTopic();
    }

    @Override
    public int partition() {
        return task.currentPartition();
    }

    @Override
    public long offset() {
        return task.currentOffset();
    }

    @Override
    public long streamTime() {
        return task.streamTime();
    }

    @Override
    public long wallClockTime() {
        return task.wallClockTime();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void forward(Record<?, ?> record) {
        forwardToChildren((Record<Object, Object>) record);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void forward(Record<?, ?> record, String childName) {
        child(childName).process((Record<Object, Object>) record);
    }

    @Override
    public Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator) {
        long ms = interval.toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException("Invalid punctuation interval: processor=" + name + ", interval="
                    + interval);
        }
        return task.schedule(this, ms, type, Objects.requireNonNull(punctuator, "punctuator"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <S extends StateStore> S store(String storeName) {
        if (!stores.contains(storeName)) {
            throw new IllegalArgumentException("Store not connected to this processor: processor=" + name
                    + ", store=" + storeName + ", connected=" + stores);
        }
        return (S) task.store(storeName);
    }

    @Override
    public void count(String metricName) {
        task.metrics().counter(metricName, "operator", name).increment();
    }
}
