package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/sluice} running the jar {@code mvn package} built: what a user types after the README's build. */
class LauncherIT {
    private static final Path LAUNCHER = Path.of("..", "bin", "sluice").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private String sluice(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        builder.environment().put("SLUICE_DATA_DIR", dir.resolve("data").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as(Files.readString(dir.resolve("err.txt"))).isZero();
        return Files.readString(out);
    }

    @Test
    void shouldRunTheBuiltJar() throws Exception {
        assertThat(sluice("", "--version")).startsWith("sluice ");
        sluice("", "topics", "create", "lines");
        sluice("one\ntwo\n", "produce", "lines");
        assertThat(sluice("", "consume", "lines", "--format", "{offset} {value}").lines())
                .containsExactly("0 one", "1 two");
    }
}
