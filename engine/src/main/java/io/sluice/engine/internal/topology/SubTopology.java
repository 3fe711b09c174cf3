package io.sluice.engine.internal.topology;

import java.util.List;
import java.util.Set;

/**
 * A connected part of a topology: its nodes in declaration order (parents first), the topics it reads (which must
 * be co-partitioned: one task per partition), the topics it writes and its stores.
 */
public record SubTopology(int id, List<String> nodes, Set<String> sourceTopics, Set<String> sinkTopics,
                          Set<String> stores) {
}
