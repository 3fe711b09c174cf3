package io.sluice.engine;

import java.util.Map;

/**
 * A stream job that {@code sluice run} can start by class name. The class needs a public no-argument constructor.
 *
 * <pre>{@code
 * public final class OrderAlerts implements StreamJob {
 *     public Topology topology(Map<String, String> settings) {
 *         long threshold = Long.parseLong(settings.getOrDefault("threshold", "100"));
 *         Pipeline p = Pipeline.named("order-alerts");
 *         p.stream("orders", Serdes.string()).filter((k, v) -> v.length() > threshold).to("alerts");
 *         return p.build();
 *     }
 * }
 * }</pre>
 *
 * (A class with a public static {@code Topology topology()} method runs too, without settings.)
 */
public interface StreamJob {
    /**
     * The topology to run.
     *
     * @param settings the job's own settings: the {@code app.*} keys of its configuration, without the prefix
     */
    Topology topology(Map<String, String> settings);
}
