package io.sluice.runner;

import io.sluice.runner.internal.ConfigFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config FILE} and {@code -D key=value}: settings from a file, overridden one by one. */
final class SettingsOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Settings in a .properties or .yaml file.")
    Path configFile;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "A setting, over the file's; repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The file's settings (if any) with the overrides on top, in that order. */
    Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (configFile != null) {
            settings.putAll(ConfigFile.read(configFile));
        }
        settings.putAll(overrides);
        return settings;
    }
}
