package io.sluice.connectors;

import java.util.Map;

/** What a source task can ask of the runtime. */
public interface SourceContext {
    /** The last stored offset of a source partition, or null if none was stored (start from the beginning). */
    Map<String, Object> offset(Map<String, ?> sourcePartition);
}
