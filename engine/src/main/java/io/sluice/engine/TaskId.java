package io.sluice.engine;

/**
 * A task: one partition of one sub-topology (the connected part of a topology that reads a set of co-partitioned
 * topics). Printed as {@code subtopology_partition}, as Kafka Streams does.
 */
public record TaskId(int subtopology, int partition) implements Comparable<TaskId> {
    @Override
    public int compareTo(TaskId o) {
        int c = Integer.compare(subtopology, o.subtopology);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
        return subtopology + "_" + partition;
    }
}
