package io.sluice.broker.internal.topic;

import io.sluice.broker.InvalidTopicException;

/** Kafka's topic naming rules. */
public final class TopicNames {
    /** Kafka's limit: a partition directory name ({@code topic-partition}) must fit in 255 bytes. */
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** Throws {@link InvalidTopicException} naming the rule a name breaks. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidTopicException("Invalid topic name: name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidTopicException("Invalid topic name: topic=" + name + ", reason='.' and '..' are "
                    + "reserved");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidTopicException("Invalid topic name: topic=" + name.substring(0, 20) + "…, reason=longer "
                    + "than " + MAX_LENGTH + " characters (" + name.length() + ")");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw new InvalidTopicException("Invalid topic name: topic=" + name + ", reason=illegal character '"
                        + c + "' at " + i + " (allowed: ASCII letters, digits, '.', '_', '-')");
            }
        }
    }

    /** Kafka treats '.' and '_' alike in metric names, so two topics that differ only there collide. */
    public static String collisionKey(String name) {
        return name.replace('.', '_');
    }
}
