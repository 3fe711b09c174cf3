package io.sluice.runner.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;

/** A point in time given on the command line. */
public final class TimeArgument {
    private TimeArgument() {
    }

    /**
     * Milliseconds since the epoch from {@code 1732953600000}, {@code 2026-11-30T08:00:00Z},
     * {@code 2026-11-30T09:00:00+01:00}, or {@code 2026-11-30T08:00} / {@code 2026-11-30} in the local time zone.
     */
    public static long parseMillis(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
        }
        try {
            if (s.endsWith("Z") || s.endsWith("z")) {
                return Instant.parse(s.toUpperCase(java.util.Locale.ROOT)).toEpochMilli();
            }
            if (s.length() > 10 && (s.lastIndexOf('+') > 10 || s.lastIndexOf('-') > 10)) {
                return OffsetDateTime.parse(s).toInstant().toEpochMilli();
            }
            if (s.length() > 10) {
                return LocalDateTime.parse(s).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            }
            return LocalDate.parse(s).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw invalid(text);
        }
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("Not a time: '" + text + "' (give epoch milliseconds, "
                + "2026-11-30T08:00:00Z, 2026-11-30T09:00:00+01:00, 2026-11-30T08:00 or 2026-11-30)");
    }
}
