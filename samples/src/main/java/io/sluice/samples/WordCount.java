package io.sluice.samples;

import io.sluice.dsl.Pipeline;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    /**
     * The lower-case words of a line: the runs of letters, digits and underscores — what {@code split("\\W+")}
     * yields, without its empty strings, and without a regular expression per line.
     */
    public static List<String> words(String line) {
        List<String> words = new ArrayList<>(16);
        String lower = line.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i <= line.length(); i++) {
            boolean wordChar = i < line.length() && isWordChar(line.charAt(i));
            if (wordChar && start < 0) {
                start = i;
            } else if (!wordChar && start >= 0) {
                words.add(lower.substring(start, i));
                start = -1;
            }
        }
        return words;
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
