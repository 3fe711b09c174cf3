package io.sluice.samples;

import io.sluice.broker.ProducerRecord;
import io.sluice.engine.StreamJob;
import java.util.List;
import java.util.Map;

/**
 * A sample pipeline with input of its own: {@code sluice samples run NAME} creates its topics, produces its input,
 * runs it until it has caught up and prints its outputs; its test asserts those outputs.
 */
public interface Sample extends StreamJob {
    /** The name {@code sluice samples run} knows it by. */
    String name();

    /** One line on what it shows. */
    String description();

    /** The topics it reads and writes, with their partition counts. */
    Map<String, Integer> topics();

    /** Known input, in the order it is produced. */
    List<ProducerRecord> input();

    /** The topics whose records show its results, String keys and String or JSON values. */
    List<String> outputs();

    /** Every sample with input of its own. */
    static List<Sample> all() {
        return List.of(new OrdersAndInventory(), new SiteActivity(), new HostMetrics(), new LogPipeline());
    }
}
