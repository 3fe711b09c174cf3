package io.sluice.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted for a test, to fill a file system for real. Mounting needs root: without it the test is
 * skipped, saying why — unless {@code SLUICE_REQUIRE_ROOT=1}, as in CI, where it fails instead. Unmounted by
 * {@link #close()}, which the test calls in a finally (try-with-resources).
 */
public final class Tmpfs implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final Path dir;
    private boolean mounted;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} ({@code 2m}, as mount takes it) on {@code dir}, which is created if missing. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        requireRoot();
        Files.createDirectories(dir);
        Tmpfs tmpfs = new Tmpfs(dir);
        tmpfs.run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        tmpfs.mounted = true;
        return tmpfs;
    }

    private static void requireRoot() throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (uid == 0) {
            return;
        }
        String reason = "Mounting a tmpfs to fill needs root; running as uid " + uid;
        if ("1".equals(System.getenv("SLUICE_REQUIRE_ROOT"))) {
            throw new AssertionError(reason + ", and SLUICE_REQUIRE_ROOT=1 requires this test to run");
        }
        Assumptions.abort(reason + " (set SLUICE_REQUIRE_ROOT=1 to fail instead of skipping)");
    }

    public Path dir() {
        return dir;
    }

    /** Grows (or shrinks) the file system in place, as an operator making room would. */
    public void resize(String size) throws IOException, InterruptedException {
        run("mount", "-o", "remount,size=" + size, dir.toString());
    }

    /** Bytes free, as the file system reports them. */
    public long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (mounted) {
            run("umount", dir.toString());
            mounted = false;
        }
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("Timed out: " + String.join(" ", command));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError("Failed (exit " + process.exitValue() + "): " + String.join(" ", command)
                        + ": " + output.strip());
            }
        } finally {
            if (process.isAlive()) {
                ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Files a test writes to fill the file system, deleted to make room again. */
    public List<Path> fill(String prefix) throws IOException {
        List<Path> fillers = new ArrayList<>();
        byte[] block = new byte[64 * 1024];
        for (int i = 0; ; i++) {
            Path filler = dir.resolve(prefix + i);
            fillers.add(filler);
            try {
                Files.write(filler, block);
            } catch (IOException full) {
                return fillers;
            }
        }
    }
}
