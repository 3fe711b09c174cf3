package io.sluice.runner.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A configuration file: Java properties ({@code .properties}), YAML ({@code .yaml}, {@code .yml}) or JSON
 * ({@code .json}), read into flat dotted keys — in YAML, {@code commit: {interval.ms: 100}} and
 * {@code commit.interval.ms: 100} are the same key. A JSON file in Kafka Connect's REST shape,
 * {@code {"name": …, "config": {…}}}, gives its config with the name in it.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    public static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Config file not found: " + file);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".properties")) {
                return readProperties(file);
            }
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                return readYaml(file);
            }
            if (name.endsWith(".json")) {
                return readJson(file);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read config file " + file + ": " + e.getMessage());
        }
        throw new IllegalArgumentException("Config file " + file + " is not .properties, .yaml/.yml or .json");
    }

    private static Map<String, String> readProperties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            values.put(key, properties.getProperty(key).strip());
        }
        return values;
    }

    private static Map<String, String> readJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new IllegalArgumentException("Config file " + file + " is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Config file " + file + " must hold a JSON object");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root.has("config") && root.get("config").isObject()) {
            if (root.has("name")) {
                values.put("name", root.get("name").asText());
            }
            flatten("", root.get("config"), values, file);
        } else {
            flatten("", root, values, file);
        }
        return values;
    }

    private static Map<String, String> readYaml(Path file) throws IOException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            // The parser's message spans lines (with a caret under the spot): one line says it on a terminal too.
            String message = String.join(" ", e.getOriginalMessage().lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.equals("^")).toList());
            throw new IllegalArgumentException("Invalid YAML in " + file + where + ": " + message);
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("Config file " + file + " must hold keys and values at its top");
        }
        flatten("", root, values, file);
        return values;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into, Path file) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode value = e.getValue();
            if (value.isObject()) {
                flatten(key, value, into, file);
            } else if (value.isArray()) {
                StringBuilder joined = new StringBuilder();
                for (JsonNode element : value) {
                    if (element.isContainerNode()) {
                        throw new IllegalArgumentException("Config key " + key + " in " + file
                                + ": a list may hold only plain values");
                    }
                    joined.append(joined.length() == 0 ? "" : ",").append(element.asText());
                }
                into.put(key, joined.toString());
            } else {
                into.put(key, value.isNull() ? "" : value.asText());
            }
        }
    }
}
