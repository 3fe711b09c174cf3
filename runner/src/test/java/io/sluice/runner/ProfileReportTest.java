package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.LatencyProfile;
import io.sluice.runner.internal.ProfileReport;
import java.io.FileInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** What --profile writes, read back: the interval log, the .hgrm distributions, the chart, the tables. */
class ProfileReportTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteIntervalLogsDistributionsAndAChartThatReadBack() throws Exception {
        LatencyProfile profile = new LatencyProfile(List.of("parse", "enrich"));
        StringWriter printed = new StringWriter();
        ProfileReport report = new ProfileReport(profile, dir, new PrintWriter(printed, true));
        for (int i = 1; i <= 1000; i++) {
            profile.record("parse", i * 1_000L);        // 1 µs .. 1 ms
        }
        profile.record("enrich", 5_000_000L);            // 5 ms
        report.interval();
        for (int i = 0; i < 500; i++) {
            profile.record("parse", 2_000L);
        }
        profile.record(LatencyProfile.END_TO_END, 3_000_000L);
        report.close();

        // The interval log, through HdrHistogram's reader: two intervals of parse, one each of the others.
        Map<String, Long> counts = new HashMap<>();
        Map<String, Integer> intervals = new HashMap<>();
        try (FileInputStream in = new FileInputStream(dir.resolve("latency.hlog").toFile())) {
            HistogramLogReader reader = new HistogramLogReader(in);
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                org.HdrHistogram.Histogram histogram = (org.HdrHistogram.Histogram) h;
                counts.merge(h.getTag(), histogram.getTotalCount(), Long::sum);
                intervals.merge(h.getTag(), 1, Integer::sum);
            }
        }
        assertThat(counts).containsEntry("parse", 1500L).containsEntry("enrich", 1L)
                .containsEntry(LatencyProfile.END_TO_END, 1L);
        assertThat(intervals).containsEntry("parse", 2);

        // The .hgrm distribution of the whole run, in milliseconds.
        String hgrm = Files.readString(dir.resolve("parse.hgrm"));
        assertThat(hgrm).contains("Value     Percentile TotalCount 1/(1-Percentile)")
                .containsPattern("#\\[Max +=\\s+1\\.00\\d*, Total count +=\\s+1500\\]");
        assertThat(dir.resolve("enrich.hgrm")).exists();

        // The chart: well-formed SVG, one curve per operator with samples.
        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(dir.resolve("latency.svg").toFile());
        NodeList curves = svg.getElementsByTagName("polyline");
        assertThat(curves.getLength()).isEqualTo(3);
        assertThat(curves.item(0).getTextContent()).isEqualTo("parse");
        assertThat(curves.item(0).getAttributes().getNamedItem("points").getNodeValue().split(" "))
                .hasSizeGreaterThan(5);

        assertThat(printed.toString()).contains("Latency over the last interval", "Latency over the whole run")
                .containsPattern("parse +500 +2\\.0 µs +2\\.0 µs") // the second interval
                .containsPattern("enrich +1 +5\\.00 ms")
                .containsPattern("parse +1500 ") // the whole run
                .contains("Profile written to " + dir);
    }
}
