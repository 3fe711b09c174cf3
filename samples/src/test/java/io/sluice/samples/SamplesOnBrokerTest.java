package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Broker;
import io.sluice.broker.ConsumerRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each sample on the embedded broker gives what the test driver gave (SamplesTest asserts those outputs). */
@Timeout(60)
class SamplesOnBrokerTest {
    @TempDir
    Path dir;

    static List<Sample> samples() {
        return Sample.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldGiveTheDriversOutputs(Sample sample) throws Exception {
        Map<String, List<String>> expected = SamplesTest.run(sample);
        try (Broker broker = Broker.start(dir)) {
            Map<String, List<ConsumerRecord>> outputs = SampleRunner.run(sample, broker, Duration.ofSeconds(30));
            for (String topic : sample.outputs()) {
                List<String> lines = outputs.get(topic).stream().map(SamplesTest::line).toList();
                assertThat(lines).as(topic).containsExactlyInAnyOrderElementsOf(expected.get(topic));
                assertThat(lines).as(topic).isNotEmpty();
            }
        }
    }
}
