package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the broker while a consumer is inside poll() must fail the poll with ClosedException, never crash the
 * JVM: close waits for reads in progress before it unmaps the indexes. In a child JVM, so that a crash would show
 * as its exit rather than take the test run down.
 */
@Timeout(300)
class CloseWhilePollingIT {
    @TempDir
    Path temp;

    @Test
    void closingTheBrokerWhileAConsumerPollsMustNotCrashTheJvm() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        for (int attempt = 0; attempt < 8; attempt++) {
            Path dir = temp.resolve("data-" + attempt);
            Path out = temp.resolve("out-" + attempt + ".txt");
            Process child = new ProcessBuilder(java.toString(), "-Xmx512m", "-XX:ErrorFile=" + temp + "/hs_err_%p.log",
                    "-cp", classpath, ClosingWhilePollingChild.class.getName(), dir.toString(),
                    Integer.toString(50 + attempt * 40))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(out);
            int exit = child.exitValue();
            System.out.println("attempt " + attempt + ": exit=" + exit + ", fatal="
                    + output.contains("A fatal error has been detected"));
            assertThat(output).as("child output, attempt %d, exit %d", attempt, exit)
                    .doesNotContain("A fatal error has been detected").contains("SURVIVED");
        }
    }
}
