package io.sluice.broker.config;

import io.sluice.broker.InvalidConfigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A catalogue of configuration keys — name, type, default, unit, valid values and doc — that parses and validates
 * user-supplied maps. Unknown keys are rejected with the nearest known key as a suggestion, because a misspelt
 * {@code retension.ms} silently ignored is a week of data lost.
 */
public final class ConfigDefinition {

    /** Value types; strings are parsed into them. */
    public enum Type {
        BOOLEAN, INT, LONG, DOUBLE, STRING, LIST
    }

    /** Checks a parsed value and returns the reason it is invalid, or null. */
    @FunctionalInterface
    public interface Check {
        String problem(Object value);

        static Check atLeast(long min) {
            return v -> ((Number) v).longValue() < min ? "must be at least " + min : null;
        }

        static Check between(double min, double max) {
            return v -> {
                double d = ((Number) v).doubleValue();
                return d < min || d > max ? "must be between " + min + " and " + max : null;
            };
        }

        static Check oneOf(String... allowed) {
            List<String> valid = List.of(allowed);
            return v -> valid.contains(v) ? null : "must be one of " + valid;
        }

        /** A non-empty list, without duplicates, whose elements are all allowed. */
        static Check listOf(String... allowed) {
            List<String> valid = List.of(allowed);
            return v -> {
                List<?> list = (List<?>) v;
                if (list.isEmpty()) {
                    return "must not be empty; valid values: " + valid;
                }
                if (list.stream().distinct().count() != list.size()) {
                    return "must not repeat a value";
                }
                return list.stream().allMatch(valid::contains) ? null : "every value must be one of " + valid;
            };
        }
    }

    /** One key of the catalogue. A null default means the key is required. */
    public record Key(String name, Type type, Object defaultValue, Check check, String unit, String doc) {
    }

    private final String what;
    private final Map<String, Key> keys = new LinkedHashMap<>();

    /** @param what what the keys configure, for error messages: "broker", "topic", "producer" … */
    public ConfigDefinition(String what) {
        this.what = what;
    }

    public ConfigDefinition define(String name, Type type, Object defaultValue, Check check, String unit,
                                   String doc) {
        if (keys.containsKey(name)) {
            throw new IllegalArgumentException("Config key defined twice: " + name);
        }
        Object parsedDefault = defaultValue == null ? null : parse(name, type, defaultValue);
        keys.put(name, new Key(name, type, parsedDefault, check, unit, doc));
        return this;
    }

    public ConfigDefinition define(String name, Type type, Object defaultValue, String unit, String doc) {
        return define(name, type, defaultValue, null, unit, doc);
    }

    public Collection<Key> keys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    public boolean contains(String name) {
        return keys.containsKey(name);
    }

    public Key key(String name) {
        Key key = keys.get(name);
        if (key == null) {
            throw unknownKey(name);
        }
        return key;
    }

    /** Parses and checks every given key, fills in defaults, and returns all keys with typed values. */
    public Map<String, Object> parse(Map<String, ?> values) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : values.entrySet()) {
            parsed.put(entry.getKey(), parseOne(entry.getKey(), entry.getValue()));
        }
        for (Key key : keys.values()) {
            if (!parsed.containsKey(key.name())) {
                if (key.defaultValue() == null) {
                    throw new InvalidConfigException("Missing required " + what + " config: key=" + key.name()
                            + " (" + key.doc() + ")");
                }
                parsed.put(key.name(), key.defaultValue());
            }
        }
        return parsed;
    }

    /** Parses and checks one key's value. */
    public Object parseOne(String name, Object value) {
        Key key = keys.get(name);
        if (key == null) {
            throw unknownKey(name);
        }
        if (value == null) {
            throw invalid(name, null, "must not be null");
        }
        Object typed = parse(name, key.type(), value);
        if (key.check() != null) {
            String problem = key.check().problem(typed);
            if (problem != null) {
                throw invalid(name, value, problem);
            }
        }
        return typed;
    }

    /** Renders a typed value back into the string form users write. */
    public static String format(Object value) {
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    private InvalidConfigException invalid(String name, Object value, String problem) {
        return new InvalidConfigException("Invalid " + what + " config: key=" + name + ", value=" + value
                + ", reason=" + problem);
    }

    private InvalidConfigException unknownKey(String name) {
        String nearest = nearest(name);
        return new InvalidConfigException("Unknown " + what + " config: key=" + name
                + (nearest == null ? "" : " (did you mean " + nearest + "?)"));
    }

    private Object parse(String name, Type type, Object value) {
        try {
            return switch (type) {
                case BOOLEAN -> value instanceof Boolean b ? b : parseBoolean(name, value);
                case INT -> value instanceof Integer i ? i : Integer.valueOf(parseNumber(value).intValueExact());
                case LONG -> value instanceof Long l ? l : Long.valueOf(parseNumber(value).longValueExact());
                case DOUBLE -> value instanceof Number n ? n.doubleValue() : Double.parseDouble(text(value));
                case STRING -> value instanceof String s ? s.trim() : String.valueOf(value);
                case LIST -> parseList(value);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(name, value, "not a valid " + type.name().toLowerCase(Locale.ROOT));
        }
    }

    private Boolean parseBoolean(String name, Object value) {
        String s = text(value).toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.valueOf(s);
        }
        throw invalid(name, value, "not a boolean (true or false)");
    }

    private static java.math.BigDecimal parseNumber(Object value) {
        if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
            return java.math.BigDecimal.valueOf(n.longValue());
        }
        java.math.BigDecimal d = new java.math.BigDecimal(text(value));
        if (d.scale() > 0 && d.stripTrailingZeros().scale() > 0) {
            throw new NumberFormatException("not an integer");
        }
        return d;
    }

    private static List<String> parseList(Object value) {
        if (value instanceof Collection<?> c) {
            return c.stream().map(o -> String.valueOf(o).trim()).toList();
        }
        String s = text(value);
        if (s.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(s.split(",")).map(String::trim).toList();
    }

    private static String text(Object value) {
        return String.valueOf(value).trim();
    }

    private String nearest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : keys.keySet()) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 4) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Keys in definition order, for generated reference docs. */
    public List<Key> documented() {
        return new ArrayList<>(keys.values());
    }
}
