package io.sluice.broker;

import java.util.Map;
import java.util.Objects;

/**
 * One measurement of a broker or a job, as a metrics endpoint shows it.
 *
 * @param name  what is measured, in words joined by dashes ({@code records-in}); counters count since start
 * @param help  one line on what it means
 * @param type  {@link Type#COUNTER} (only grows), {@link Type#GAUGE} (a current value) or {@link Type#QUANTILE}
 *              (a percentile of a distribution: the {@code quantile} tag says which)
 * @param tags  what it is of ({@code topic}, {@code partition}, …), in a stable order
 * @param value the value
 */
public record Metric(String name, String help, Type type, Map<String, String> tags, double value) {
    public enum Type { COUNTER, GAUGE, QUANTILE }

    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        tags = tags == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
        help = help == null ? "" : help;
    }
}
