package io.lessr.data.preprocess;

import io.lessr.data.SyntheticSessions;
import io.lessr.data.SyntheticSessions.Settings;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import io.lessr.data.AtomicFile;
import java.util.Collections;
import java.util.Locale;

/**
 * Writes a deterministic raw log in the format of one of the paper's datasets, so that the
 * preprocessing can be run and measured at full size without the real files. The item sequences
 * come from {@link SyntheticSessions}; on top of them the log has what preprocessing must clean
 * up: sessions of one click and of more than 20, rare items, immediate repeats, rows out of time
 * order, equal timestamps (ties in session end times), missing values and quoted names.
 */
public final class SyntheticRawLog {
    private static final long DAY = 86_400_000L;

    private final RawDataset format;
    private final SplittableRandom random;
    private final SyntheticSessions sessions;

    private SyntheticRawLog(RawDataset format, long seed) {
        this.format = format;
        this.random = new SplittableRandom(seed);
        int items = switch (format) {
            case DIGINETICA -> 60_000;
            case GOWALLA -> 40_000;
            case LASTFM -> 50_000;
        };
        this.sessions = new SyntheticSessions(new Settings(items, 1, 1, format == RawDataset.LASTFM ? 8.0 : 5.0,
                format == RawDataset.DIGINETICA ? 0.6 : 1.0, 3, 0.6, 0.1, seed));
    }

    /** Writes about {@code clicks} rows to {@code file}; returns the number written. */
    public static long write(RawDataset format, long clicks, long seed, Path file) {
        long[] written = new long[1];
        AtomicFile.write(file, out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            written[0] = new SyntheticRawLog(format, seed).write(clicks, w);
            w.flush();
        });
        return written[0];
    }

    private long write(long clicks, BufferedWriter w) throws IOException {
        return format == RawDataset.DIGINETICA ? writeDiginetica(clicks, w) : writeUserLog(clicks, w);
    }

    /** A session's items: usually one generated session, sometimes cut to one click or joined to a second. */
    private int[] items() {
        int[] s = sessions.sessions(1).get(0);
        double u = random.nextDouble();
        if (u < 0.15) {
            return new int[] {s[0]};
        }
        if (u < 0.25) {
            int[] t = sessions.sessions(1).get(0);
            int[] joined = new int[s.length + t.length + (u < 0.18 ? 12 : 0)];
            for (int i = 0; i < joined.length; i++) {
                joined[i] = i < s.length ? s[i] : i < s.length + t.length ? t[i - s.length] : s[i % s.length];
            }
            return joined;
        }
        return s;
    }

    private long writeDiginetica(long clicks, BufferedWriter w) throws IOException {
        w.write("sessionId;userId;itemId;timeframe;eventdate\n");
        long start = LocalDate.of(2016, 1, 1).toEpochDay();
        long written = 0;
        for (int session = 1; written < clicks; session++) {
            int[] s = items();
            // Session ids grow with time, as in the real log; about 150 days in all.
            long day = start + Math.min(151, (long) (152.0 * written / clicks) + (random.nextInt(10) == 0 ? 1 : 0));
            String user = random.nextInt(3) == 0 ? Integer.toString(1 + random.nextInt(50_000)) : "";
            List<String> rows = new ArrayList<>(s.length);
            long timeframe = 0;
            for (int item : s) {
                rows.add(session + ";" + user + ";" + (3 * item + 7) + ";" + timeframe + ";" + LocalDate.ofEpochDay(day));
                // Coarse steps, sometimes none: equal times within and across sessions.
                timeframe += 1000L * random.nextInt(0, 40);
            }
            if (random.nextInt(8) == 0) {
                Collections.swap(rows, 0, rows.size() - 1);
            }
            for (String row : rows) {
                w.write(row);
                w.write('\n');
            }
            written += s.length;
        }
        return written;
    }

    private long writeUserLog(long clicks, BufferedWriter w) throws IOException {
        boolean lastfm = format == RawDataset.LASTFM;
        long gap = format.sessionGap().toMillis();
        long start = Instant.parse(lastfm ? "2008-01-01T00:00:00Z" : "2009-02-01T00:00:00Z").toEpochMilli();
        long span = 600 * DAY;
        long written = 0;
        for (int user = 1; written < clicks; user++) {
            List<String> rows = new ArrayList<>();
            // Clicks in seconds; users' sessions spread over the whole span so end times interleave.
            long t = start + (random.nextLong(span) / 1000) * 1000;
            int numSessions = 1 + random.nextInt(12);
            for (int k = 0; k < numSessions && written < clicks; k++) {
                for (int item : items()) {
                    int repeats = random.nextInt(12) == 0 ? 2 : 1;
                    for (int r = 0; r < repeats; r++) {
                        rows.add(row(lastfm, user, t, item));
                        written++;
                        t += 1000L * (random.nextInt(5) == 0 ? 0 : random.nextInt(1, 600));
                    }
                }
                // Mostly a new session, sometimes just under the gap (the same session goes on).
                t += random.nextInt(4) == 0 ? gap - 1000L * random.nextInt(1, 3600) : gap + 1000L * random.nextInt(1, 40 * 86_400);
            }
            // The real logs list each user's rows newest first.
            for (int i = rows.size() - 1; i >= 0; i--) {
                w.write(rows.get(i));
                w.write('\n');
            }
        }
        return written;
    }

    private String row(boolean lastfm, int user, long millis, int item) {
        String time = Instant.ofEpochMilli(millis).toString();
        if (!lastfm) {
            double lat = -90 + 180 * random.nextDouble();
            double lon = -180 + 360 * random.nextDouble();
            return user + "\t" + time + "\t" + String.format(Locale.ROOT, "%.7f\t%.7f", lat, lon) + "\t" + (10_000 + 13L * item);
        }
        boolean missingArtist = random.nextInt(40) == 0;
        String artist = missingArtist ? "" : new UUID(0x5eed_0000_0000_0000L + item, 0x1234_5678L * (item + 1)).toString();
        String artistName = random.nextInt(50) == 0 ? "\"The " + item + "\" Band" : "Artist " + item;
        String track = random.nextInt(5) == 0 ? "" : new UUID(item, random.nextInt(20)).toString();
        return String.format("user_%06d\t%s\t%s\t%s\t%s\tTrack %d", user, time, artist, artistName, track, random.nextInt(1000));
    }
}
