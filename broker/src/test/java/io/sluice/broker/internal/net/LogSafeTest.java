package io.sluice.broker.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {
    @Test
    void shouldEscapeWhatCouldForgeALogLineOrDriveATerminalAndCutWhatIsLong() {
        assertThat(LogSafe.text("client-1")).isEqualTo("client-1");
        assertThat(LogSafe.text("a\nWARN forged\u001b[31m")).isEqualTo("a\\u000aWARN forged\\u001b[31m");
        assertThat(LogSafe.text("x".repeat(10_000))).startsWith("x".repeat(LogSafe.MAX_CHARS))
                .endsWith("(10000 chars)").hasSizeLessThan(LogSafe.MAX_CHARS + 20);
        assertThat(LogSafe.text(null)).isEqualTo("null");
    }
}
