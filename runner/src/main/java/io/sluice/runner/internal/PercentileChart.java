package io.sluice.runner.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Draws latency histograms as percentile curves in one SVG, the way HdrHistogram's plotter does: percentile across
 * (spaced by 1/(1−p), so that 90 %, 99 %, 99.9 %… are equally far apart and the tail gets the room), latency up on
 * a log scale (so that a 2 µs operator and a 20 ms one both show their shape).
 */
public final class PercentileChart {
    private static final int WIDTH = 980;
    private static final int HEIGHT = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 330;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;
    /** Up to 99.9999 %: six nines. */
    private static final double MAX_NINES = 6;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

    private PercentileChart() {
    }

    /** The SVG document for these histograms of nanosecond latencies, one curve each (empty ones left out). */
    public static String svg(String title, Map<String, Histogram> nanosByName) {
        long lowest = Long.MAX_VALUE;
        long highest = 1;
        for (Histogram h : nanosByName.values()) {
            if (h.getTotalCount() > 0) {
                lowest = Math.min(lowest, Math.max(1, h.getMinValue()));
                highest = Math.max(highest, h.getMaxValue());
            }
        }
        double yMin = Math.floor(Math.log10(lowest == Long.MAX_VALUE ? 1 : lowest));
        double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(highest, 1))));
        StringBuilder svg = new StringBuilder(16_384);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n", LEFT,
                escape(title)));
        axes(svg, yMin, yMax);
        int curve = 0;
        int legendY = TOP + 10;
        for (Map.Entry<String, Histogram> e : nanosByName.entrySet()) {
            Histogram h = e.getValue();
            if (h.getTotalCount() == 0) {
                continue;
            }
            String colour = COLOURS[curve++ % COLOURS.length];
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"><title>%s</title></polyline>%n", colour, points(h, yMin, yMax),
                    escape(e.getKey())));
            int x = WIDTH - RIGHT + 20;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", x, legendY - 4, x + 18, legendY - 4, colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x + 24, legendY,
                    escape(e.getKey() + "  p99 " + LatencyReport.micros(h.getValueAtPercentile(99)))));
            legendY += 18;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void axes(StringBuilder svg, double yMin, double yMax) {
        int plotRight = WIDTH - RIGHT;
        int plotBottom = HEIGHT - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", LEFT, TOP, plotRight - LEFT, plotBottom - TOP));
        String[] xLabels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
        for (int nines = 0; nines <= MAX_NINES; nines++) {
            double x = x(nines);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "%n<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, TOP, x, plotBottom, x,
                    plotBottom + 18, xLabels[nines]));
        }
        for (int decade = (int) yMin; decade <= (int) yMax; decade++) {
            double y = y(decade, yMin, yMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "%n<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, y, plotRight, y, LEFT - 6,
                    y + 4, LatencyReport.micros((long) Math.pow(10, decade))));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
                (LEFT + plotRight) / 2, HEIGHT - 18));
        svg.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" "
                + "text-anchor=\"middle\">latency (log scale)</text>%n", (TOP + plotBottom) / 2,
                (TOP + plotBottom) / 2));
    }

    private static String points(Histogram h, double yMin, double yMax) {
        List<String> points = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            double percentile = Math.min(v.getPercentileLevelIteratedTo(), 100);
            double nines = percentile >= 100 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(100 / (100 - percentile)));
            double value = Math.log10(Math.max(1, h.highestEquivalentValue(v.getValueIteratedTo())));
            points.add(String.format(Locale.ROOT, "%.1f,%.1f", x(nines), y(value, yMin, yMax)));
            if (nines >= MAX_NINES) {
                break;
            }
        }
        return String.join(" ", points);
    }

    private static double x(double nines) {
        return LEFT + nines / MAX_NINES * (WIDTH - RIGHT - LEFT);
    }

    private static double y(double log10Nanos, double yMin, double yMax) {
        int plotBottom = HEIGHT - BOTTOM;
        return plotBottom - (log10Nanos - yMin) / (yMax - yMin) * (plotBottom - TOP);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
