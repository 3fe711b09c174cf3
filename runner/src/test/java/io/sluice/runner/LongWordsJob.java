package io.sluice.runner;

import io.sluice.dsl.Pipeline;
import io.sluice.engine.Serdes;
import io.sluice.engine.StreamJob;
import io.sluice.engine.Topology;
import java.util.Map;

/** A job for the run command's tests: copies the lines at least {@code app.min-length} long to {@code long-lines}. */
public final class LongWordsJob implements StreamJob {
    @Override
    public Topology topology(Map<String, String> settings) {
        int minLength = Integer.parseInt(settings.getOrDefault("min-length", "1"));
        Pipeline p = Pipeline.named("long-lines");
        p.stream("lines", Serdes.string()).filter((key, line) -> line.length() >= minLength).to("long-lines");
        return p.build();
    }
}
