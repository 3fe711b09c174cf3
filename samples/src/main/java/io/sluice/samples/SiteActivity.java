package io.sluice.samples;

import static io.sluice.samples.SampleRecords.json;

import io.sluice.broker.ProducerRecord;
import io.sluice.dsl.Pipeline;
import io.sluice.dsl.SessionWindows;
import io.sluice.engine.KeyValue;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Website activity tracking: page views, keyed by user, are cut into sessions that end after 30 minutes without a
 * view; when a session is over (stream time past its end plus the gap) one summary per session goes to
 * {@value #SESSIONS}: when it started and ended, how many views, which pages.
 */
public final class SiteActivity implements Sample {
    public static final String PAGE_VIEWS = "page-views";
    public static final String SESSIONS = "user-sessions";
    public static final Duration INACTIVITY_GAP = Duration.ofMinutes(30);

    public record PageView(String url) {
    }

    /** What a session has seen so far. */
    public record Visits(long views, List<String> pages) {
        static Visits none() {
            return new Visits(0, List.of());
        }

        Visits plus(PageView view) {
            return new Visits(views + 1, union(pages, List.of(view.url())));
        }

        Visits merge(Visits other) {
            return new Visits(views + other.views, union(pages, other.pages));
        }

        private static List<String> union(List<String> a, List<String> b) {
            TreeSet<String> all = new TreeSet<>(a);
            all.addAll(b);
            return List.copyOf(all);
        }
    }

    /** One finished session of one user. */
    public record Session(String user, String start, String end, long seconds, long views, List<String> pages) {
    }

    @Override
    public Topology topology(Map<String, String> settings) {
        return topology();
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named("site-activity");
        p.stream(PAGE_VIEWS, Serdes.json(PageView.class))
                .groupByKey()
                .windowedBy(SessionWindows.inactivityGap(INACTIVITY_GAP).noGrace())
                .aggregate("visits", Serdes.json(Visits.class), Visits::none, Visits::plus, Visits::merge)
                .suppressUntilWindowCloses("finished-sessions")
                .toStream()
                .map((session, visits) -> KeyValue.of(session.key(), new Session(session.key(),
                        Instant.ofEpochMilli(session.window().start()).toString(),
                        Instant.ofEpochMilli(session.window().end()).toString(),
                        (session.window().end() - session.window().start()) / 1000, visits.views(), visits.pages())))
                .withKeySerde(Serdes.string())
                .withValueSerde(Serdes.json(Session.class))
                .to(SESSIONS);
        return p.build();
    }

    @Override
    public String name() {
        return "sessions";
    }

    @Override
    public String description() {
        return "page views cut into per-user sessions (30 min gap), one summary per finished session";
    }

    @Override
    public Map<String, Integer> topics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        // One partition: stream time, which closes sessions, advances per partition.
        topics.put(PAGE_VIEWS, 1);
        topics.put(SESSIONS, 1);
        return topics;
    }

    @Override
    public List<ProducerRecord> input() {
        List<ProducerRecord> input = new ArrayList<>();
        input.add(json(PAGE_VIEWS, "ana", new PageView("/"), "2026-11-30T09:00:00Z"));
        input.add(json(PAGE_VIEWS, "ana", new PageView("/pricing"), "2026-11-30T09:02:00Z"));
        input.add(json(PAGE_VIEWS, "ben", new PageView("/blog/streams"), "2026-11-30T09:05:00Z"));
        input.add(json(PAGE_VIEWS, "ana", new PageView("/signup"), "2026-11-30T09:20:00Z"));
        input.add(json(PAGE_VIEWS, "ben", new PageView("/"), "2026-11-30T09:50:00Z")); // 45 min later: new session
        input.add(json(PAGE_VIEWS, "ana", new PageView("/docs"), "2026-11-30T10:30:00Z")); // new session too
        // Late in the day: stream time passes every session above, which closes them.
        input.add(json(PAGE_VIEWS, "cy", new PageView("/"), "2026-11-30T18:00:00Z"));
        return input;
    }

    @Override
    public List<String> outputs() {
        return List.of(SESSIONS);
    }
}
