package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.TestDriver;
import org.junit.jupiter.api.Test;

class WordCountTest {
    @Test
    void shouldSplitLikeTheNonWordRegex() {
        for (String line : new String[] {"To be, or not to be:", "  leading and trailing  ", "", "a_b-c9 d",
                "ÄÖ ascii only", "x"}) {
            java.util.List<String> expected = java.util.Arrays.stream(
                    line.toLowerCase(java.util.Locale.ROOT).split("\\W+")).filter(w -> !w.isEmpty()).toList();
            assertThat(WordCount.words(line)).as(line).isEqualTo(expected);
        }
    }

    @Test
    void shouldCountEachWordAcrossAllPartitions() {
        try (TestDriver driver = TestDriver.builder(WordCount.topology())
                .partitions(WordCount.INPUT_TOPIC, 3).partitions(WordCount.OUTPUT_TOPIC, 3).build()) {
            driver.<String, String>input(WordCount.INPUT_TOPIC)
                    .send("a", "To be, or not to be:")
                    .send("b", "that is the question.")
                    .send("c", "");
            assertThat(driver.<String, Long>output(WordCount.OUTPUT_TOPIC).latest())
                    .containsEntry("to", 2L).containsEntry("be", 2L).containsEntry("question", 1L).hasSize(8);
            ReadOnlyKeyValueStore<String, Long> store = driver.store(WordCount.STORE);
            assertThat(store.get("or")).isEqualTo(1L);
        }
    }
}
