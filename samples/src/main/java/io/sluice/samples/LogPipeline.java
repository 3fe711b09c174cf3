package io.sluice.samples;

import static io.sluice.samples.SampleRecords.json;
import static io.sluice.samples.SampleRecords.text;

import io.sluice.broker.ProducerRecord;
import io.sluice.dsl.Pipeline;
import io.sluice.dsl.Stream;
import io.sluice.dsl.Table;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Log aggregation and ETL: raw log lines are parsed (a line that does not parse goes, untouched, to
 * {@value #UNPARSED}: nothing is lost), DEBUG lines dropped, each event enriched with the team that owns its service
 * (a table), and routed: errors to {@value #ERRORS}, the rest to {@value #EVENTS}.
 */
public final class LogPipeline implements Sample {
    public static final String RAW_LOGS = "raw-logs";
    public static final String SERVICES = "services";
    public static final String EVENTS = "log-events";
    public static final String ERRORS = "error-events";
    public static final String UNPARSED = "unparsed-logs";

    /** {@code <ISO instant> <LEVEL> <service> <message>}. */
    private static final Pattern LINE = Pattern.compile("(\\S+)\\s+(TRACE|DEBUG|INFO|WARN|ERROR)\\s+(\\S+)\\s+(.*)");
    private static final Set<String> DROPPED_LEVELS = Set.of("TRACE", "DEBUG");

    /** Who owns a service. */
    public record Service(String team) {
    }

    /** A parsed line; {@code team} once enriched ("unowned" for a service the table does not know). */
    public record LogEvent(String time, String level, String service, String message, String team) {
        LogEvent ownedBy(Service owner) {
            return new LogEvent(time, level, service, message, owner == null ? "unowned" : owner.team());
        }
    }

    /** A raw line and what parsing made of it: {@code event} is null if it did not parse. */
    public record Parsed(String line, LogEvent event) {
        static Parsed of(String line) {
            Matcher m = line == null ? null : LINE.matcher(line.strip());
            return new Parsed(line, m != null && m.matches()
                    ? new LogEvent(m.group(1), m.group(2), m.group(3), m.group(4), null) : null);
        }
    }

    @Override
    public Topology topology(Map<String, String> settings) {
        return topology();
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named("log-pipeline");
        Table<String, Service> owners = p.table(SERVICES, Serdes.string(), Serdes.json(Service.class));
        Map<String, Stream<String, Parsed>> parsed = p.stream(RAW_LOGS, Serdes.string())
                .mapValues(Parsed::of)
                .withValueSerde(Serdes.json(Parsed.class))
                .split()
                .branch("parsed", (key, line) -> line.event() != null)
                .otherwise("unparsed")
                .branches();
        parsed.get("unparsed").mapValues(Parsed::line).withValueSerde(Serdes.string()).to(UNPARSED);

        Map<String, Stream<String, LogEvent>> routed = parsed.get("parsed")
                .mapValues(Parsed::event)
                .withValueSerde(Serdes.json(LogEvent.class))
                .filterNot((key, event) -> DROPPED_LEVELS.contains(event.level()))
                .selectKey((key, event) -> event.service())
                .withKeySerde(Serdes.string())
                .repartition("events-by-service")
                .leftJoin(owners, LogEvent::ownedBy)
                .withValueSerde(Serdes.json(LogEvent.class))
                .split()
                .branch("errors", (service, event) -> event.level().equals("ERROR"))
                .otherwise("other")
                .branches();
        routed.get("errors").to(ERRORS);
        routed.get("other").to(EVENTS);
        return p.build();
    }

    @Override
    public String name() {
        return "logs";
    }

    @Override
    public String description() {
        return "raw log lines parsed, filtered, enriched with owners, errors routed to a topic of their own";
    }

    @Override
    public Map<String, Integer> topics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        topics.put(SERVICES, 2);
        topics.put(RAW_LOGS, 2);
        topics.put(EVENTS, 2);
        topics.put(ERRORS, 2);
        topics.put(UNPARSED, 1);
        return topics;
    }

    @Override
    public List<ProducerRecord> input() {
        List<ProducerRecord> input = new ArrayList<>();
        input.add(json(SERVICES, "payments", new Service("team-money"), "2026-11-30T08:00:00Z"));
        input.add(json(SERVICES, "search", new Service("team-find"), "2026-11-30T08:00:00Z"));
        String[] lines = {
            "2026-11-30T09:00:01Z INFO payments charge accepted order=o-17",
            "2026-11-30T09:00:02Z DEBUG search cache miss q=kafka",
            "2026-11-30T09:00:03Z ERROR payments timeout calling bank order=o-18",
            "this line is not a log line",
            "2026-11-30T09:00:04Z WARN search slow query 812 ms",
            "2026-11-30T09:00:05Z ERROR mailer smtp refused",
        };
        for (int i = 0; i < lines.length; i++) {
            input.add(text(RAW_LOGS, null, lines[i], "2026-11-30T09:00:0" + (i + 1) + "Z"));
        }
        return input;
    }

    @Override
    public List<String> outputs() {
        return List.of(EVENTS, ERRORS, UNPARSED);
    }
}
