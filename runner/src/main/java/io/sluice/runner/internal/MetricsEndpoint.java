package io.sluice.runner.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.broker.Metric;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves metrics at {@code /metrics} in Prometheus' text format (0.0.4): each {@link Metric} becomes
 * {@code sluice_<name>} — counters with {@code _total} — with its tags as labels.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HttpServer server;

    /** Starts serving on {@code bind:port} (port 0: any free one) what {@code metrics} gives at each scrape. */
    public MetricsEndpoint(String bind, int port, Supplier<List<Metric>> metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot serve metrics on " + bind + ":" + port + ": " + e.getMessage());
        }
        server.createContext("/metrics", exchange -> respond(exchange, metrics));
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(404, -1);
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port() + "/metrics";
    }

    private static void respond(HttpExchange exchange, Supplier<List<Metric>> metrics) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try {
                body = render(metrics.get()).getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                log.warn("Cannot collect metrics", e);
                byte[] message = ("cannot collect metrics: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(500, message.length);
                exchange.getResponseBody().write(message);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : body.length);
            if (!exchange.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** The text format: per metric family its HELP and TYPE lines, then its samples. */
    public static String render(List<Metric> metrics) {
        Map<String, List<Metric>> families = new LinkedHashMap<>();
        for (Metric m : metrics) {
            families.computeIfAbsent(familyName(m), k -> new ArrayList<>()).add(m);
        }
        StringBuilder out = new StringBuilder(8_192);
        families.forEach((name, samples) -> {
            Metric first = samples.get(0);
            if (!first.help().isEmpty()) {
                out.append("# HELP ").append(name).append(' ')
                        .append(first.help().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            }
            out.append("# TYPE ").append(name).append(' ')
                    .append(first.type() == Metric.Type.COUNTER ? "counter" : "gauge").append('\n');
            for (Metric m : samples) {
                out.append(name);
                if (!m.tags().isEmpty()) {
                    out.append('{');
                    boolean firstTag = true;
                    for (Map.Entry<String, String> tag : m.tags().entrySet()) {
                        out.append(firstTag ? "" : ",").append(labelName(tag.getKey())).append("=\"")
                                .append(escape(tag.getValue())).append('"');
                        firstTag = false;
                    }
                    out.append('}');
                }
                out.append(' ').append(number(m.value())).append('\n');
            }
        });
        return out.toString();
    }

    private static String familyName(Metric m) {
        String base = "sluice_" + m.name().replace('-', '_').replace('.', '_');
        return m.type() == Metric.Type.COUNTER ? base + "_total" : base;
    }

    private static String labelName(String tag) {
        return tag.replaceAll("[^a-zA-Z0-9_]", "_");
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.9g", value);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
