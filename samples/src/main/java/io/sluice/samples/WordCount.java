package io.sluice.samples;

import io.sluice.dsl.Pipeline;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Word count: lines of text in, the running count of each word out. Lines are split into words, re-keyed by word
 * (through a repartition topic, so that each word is counted in one place) and counted in the store
 * {@value #STORE}; every update goes to {@value #OUTPUT_TOPIC}.
 */
public final class WordCount {
    public static final String APPLICATION_ID = "word-count";
    public static final String INPUT_TOPIC = "lines";
    public static final String OUTPUT_TOPIC = "word-counts";
    public static final String STORE = "counts";

    private static final Pattern NON_WORD = Pattern.compile("\\W+");

    private WordCount() {
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named(APPLICATION_ID);
        p.stream(INPUT_TOPIC, Serdes.string())
                .flatMapValues(WordCount::words)
                .groupBy((key, word) -> word, Serdes.string())
                .count(STORE)
                .toStream()
                .to(OUTPUT_TOPIC);
        return p.build();
    }

    /** The lower-case words of a line. */
    public static Iterable<String> words(String line) {
        return Arrays.stream(NON_WORD.split(line.toLowerCase(Locale.ROOT))).filter(w -> !w.isEmpty()).toList();
    }
}
