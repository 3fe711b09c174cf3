package io.sluice.connectors.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A text template with placeholders, parsed once and rendered per record: {@code ${seq}} (the record's sequence
 * number), {@code ${key}}, {@code ${timestamp}} (epoch ms), {@code ${uuid}}, {@code ${random.int(N)}} (0 to N−1),
 * {@code ${random.double}} (0 to 1), {@code ${random.choice(a|b|c)}}.
 */
final class Template {
    private interface Part {
        void render(StringBuilder out, long seq, String key, long timestamp, SplittableRandom random);
    }

    private final List<Part> parts = new ArrayList<>();

    Template(String text) {
        int at = 0;
        while (at < text.length()) {
            int open = text.indexOf("${", at);
            if (open < 0) {
                literal(text.substring(at));
                break;
            }
            literal(text.substring(at, open));
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("Unclosed placeholder at " + open + ": " + text.substring(open));
            }
            parts.add(placeholder(text.substring(open + 2, close).strip()));
            at = close + 1;
        }
    }

    private void literal(String s) {
        if (!s.isEmpty()) {
            parts.add((out, seq, key, ts, random) -> out.append(s));
        }
    }

    private static Part placeholder(String name) {
        switch (name) {
            case "seq":
                return (out, seq, key, ts, random) -> out.append(seq);
            case "key":
                return (out, seq, key, ts, random) -> out.append(key);
            case "timestamp":
                return (out, seq, key, ts, random) -> out.append(ts);
            case "uuid":
                return (out, seq, key, ts, random) -> out.append(new UUID(random.nextLong(), random.nextLong()));
            case "random.double":
                return (out, seq, key, ts, random) -> out.append(random.nextDouble());
            default:
                break;
        }
        if (name.startsWith("random.int(") && name.endsWith(")")) {
            int bound;
            try {
                bound = Integer.parseInt(name.substring("random.int(".length(), name.length() - 1).strip());
            } catch (NumberFormatException e) {
                bound = 0;
            }
            if (bound <= 0) {
                throw new IllegalArgumentException("random.int needs a positive bound: ${" + name + "}");
            }
            int n = bound;
            return (out, seq, key, ts, random) -> out.append(random.nextInt(n));
        }
        if (name.startsWith("random.choice(") && name.endsWith(")")) {
            String[] choices = name.substring("random.choice(".length(), name.length() - 1).split("\\|", -1);
            return (out, seq, key, ts, random) -> out.append(choices[random.nextInt(choices.length)]);
        }
        throw new IllegalArgumentException("Unknown placeholder ${" + name + "}: seq, key, timestamp, uuid, "
                + "random.int(N), random.double, random.choice(a|b)");
    }

    String render(long seq, String key, long timestamp, SplittableRandom random) {
        StringBuilder out = new StringBuilder(64);
        for (Part part : parts) {
            part.render(out, seq, key, timestamp, random);
        }
        return out.toString();
    }
}
