package io.lessr.data.preprocess;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.Year;

/**
 * Epoch milliseconds of the ISO-8601 dates and times raw logs use ({@code 2016-05-09},
 * {@code 2009-05-04T23:08:57Z}, {@code 2010-10-19 23:55:27}). Times without a zone are taken as UTC
 * and times with an offset are converted to UTC, as pandas does; only order and differences matter.
 */
final class Timestamps {
    private Timestamps() {}

    /** @throws IllegalArgumentException naming the text when it is not a date or date-time */
    static long parseMillis(CharSequence s) {
        int n = s.length();
        // fast path for the two shapes of the three logs; java.time for everything else
        if ((n == 10 || n == 19 || n == 20 && s.charAt(19) == 'Z') && digitsAt(s, 0, 4) && s.charAt(4) == '-'
                && digitsAt(s, 5, 2) && s.charAt(7) == '-' && digitsAt(s, 8, 2)) {
            int month = num(s, 5, 2);
            int day = num(s, 8, 2);
            long epochDay = month >= 1 && month <= 12 && day >= 1 && day <= LocalDate.of(2000, month, 1).lengthOfMonth()
                    ? epochDay(num(s, 0, 4), month, day) : Long.MIN_VALUE;
            if (epochDay != Long.MIN_VALUE) {
                long millis = epochDay * 86_400_000L;
                if (n == 10) {
                    return millis;
                }
                char sep = s.charAt(10);
                if ((sep == 'T' || sep == ' ') && digitsAt(s, 11, 2) && s.charAt(13) == ':' && digitsAt(s, 14, 2)
                        && s.charAt(16) == ':' && digitsAt(s, 17, 2)) {
                    int h = num(s, 11, 2);
                    int m = num(s, 14, 2);
                    int sec = num(s, 17, 2);
                    if (h < 24 && m < 60 && sec < 60) {
                        return millis + (h * 3600L + m * 60L + sec) * 1000L;
                    }
                }
            }
        }
        return slow(s.toString());
    }

    private static long slow(String s) {
        String iso = s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
        try {
            return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // no zone, or no time
        }
        try {
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            // no time
        }
        try {
            return LocalDate.parse(iso).toEpochDay() * 86_400_000L;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("cannot parse '" + s + "' as a date or time (expected ISO-8601, "
                    + "such as 2016-05-09 or 2009-05-04T23:08:57Z)");
        }
    }

    /** Long.MIN_VALUE for Feb 29 of a non-leap year, which the month-length check lets through. */
    private static long epochDay(int year, int month, int day) {
        return month == 2 && day == 29 && !Year.isLeap(year) ? Long.MIN_VALUE : LocalDate.of(year, month, day).toEpochDay();
    }

    private static boolean digitsAt(CharSequence s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int num(CharSequence s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }
}
