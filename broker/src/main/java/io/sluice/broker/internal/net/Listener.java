package io.sluice.broker.internal.net;

import io.sluice.broker.InvalidConfigException;
import java.net.URI;

/**
 * An address to listen on, or to tell clients, written as Kafka writes listeners: {@code PLAINTEXT://host:port}
 * (the scheme may be left out). Only plaintext is served.
 */
public record Listener(String host, int port) {
    public static Listener parse(String key, String text) {
        String s = text.strip();
        if (!s.contains("://")) {
            s = "PLAINTEXT://" + s;
        }
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw invalid(key, text, "not host:port");
        }
        if (!"PLAINTEXT".equalsIgnoreCase(uri.getScheme())) {
            throw invalid(key, text, "only PLAINTEXT listeners are served");
        }
        if (uri.getPort() < 0 || uri.getPort() > 65_535) {
            throw invalid(key, text, "a port from 0 to 65535 is needed");
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        return new Listener(host, uri.getPort());
    }

    private static InvalidConfigException invalid(String key, String value, String reason) {
        return new InvalidConfigException("Invalid broker config: key=" + key + ", value=" + value + ", reason="
                + reason);
    }

    @Override
    public String toString() {
        return "PLAINTEXT://" + host + ":" + port;
    }
}
