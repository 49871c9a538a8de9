package io.lessr.data.preprocess;

import static io.lessr.data.preprocess.Preprocessing.SESSION;
import static io.lessr.data.preprocess.Preprocessing.TIME;
import static io.lessr.data.preprocess.Preprocessing.USER;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import tech.tablesaw.api.Table;

/**
 * The paper's three datasets: where their raw logs come from, how the original {@code preprocess.py}
 * turns each into a dataset folder, and the paper's hyper-parameters for training on it.
 */
public enum RawDataset {
    // Diginetica's log has sessions already and keeps every item: no gap, no top-N.
    DIGINETICA("train-item-views.csv", "https://competitions.codalab.org/competitions/11161", 32, 4, null, 0),
    GOWALLA("loc-gowalla_totalCheckins.txt", "https://snap.stanford.edu/data/loc-gowalla.html", 64, 4,
            Duration.ofDays(1), 30_000),
    LASTFM("userid-timestamp-artid-artname-traid-traname.tsv", "http://ocelma.net/MusicRecommendationDataset/lastfm-1K.html",
            128, 4, Duration.ofHours(8), 40_000);

    public static final int MAX_SESSION_LENGTH = 20;
    public static final int MIN_SESSION_LENGTH = 2;
    public static final int MIN_ITEM_SUPPORT = 5;

    private final String rawFileName;
    private final String source;
    private final int embeddingDim;
    private final int numLayers;
    private final Duration sessionGap;
    private final int topItems;

    RawDataset(String rawFileName, String source, int embeddingDim, int numLayers, Duration sessionGap, int topItems) {
        this.rawFileName = rawFileName;
        this.source = source;
        this.embeddingDim = embeddingDim;
        this.numLayers = numLayers;
        this.sessionGap = sessionGap;
        this.topItems = topItems;
    }

    public static RawDataset of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dataset '" + name + "': expected diginetica, gowalla or lastfm");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The file name of the raw log in the original distribution. */
    public String rawFileName() {
        return rawFileName;
    }

    public String source() {
        return source;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    public int numLayers() {
        return numLayers;
    }

    /** Gowalla and Last.fm: a user's clicks more than this apart are different sessions. */
    public Duration sessionGap() {
        return sessionGap;
    }

    /** Gowalla and Last.fm keep only their most clicked items. */
    public int topItems() {
        return topItems;
    }

    /** Reads the raw log into a click table (Diginetica: session, item, time; the others: user, time, item). */
    public Table read(Path raw) {
        return switch (this) {
            case DIGINETICA -> RawLogs.readDiginetica(raw);
            case GOWALLA -> RawLogs.readCheckins(raw, 0, 1, 4, RawLogs.GOWALLA_LAYOUT);
            case LASTFM -> RawLogs.readCheckins(raw, 0, 1, 2, RawLogs.LASTFM_LAYOUT);
        };
    }

    /** Everything between reading and saving: returns the training and the test clicks. */
    public Table[] split(Table clicks) {
        return split(clicks, topItems());
    }

    /** {@link #split(Table)} keeping {@code topItems} items instead of the original's number (Gowalla, Last.fm). */
    public Table[] split(Table clicks, int topItems) {
        Table t = clicks;
        if (this == DIGINETICA) {
            t = Preprocessing.sortBy(t, SESSION, TIME);
            t = Preprocessing.filterShortSessions(t, MIN_SESSION_LENGTH);
            t = Preprocessing.truncateLongSessions(t, MAX_SESSION_LENGTH);
            t = Preprocessing.filterInfrequentItems(t, MIN_ITEM_SUPPORT);
            t = Preprocessing.filterShortSessions(t, MIN_SESSION_LENGTH);
            return Preprocessing.splitByTime(t, Duration.ofDays(7).toMillis());
        }
        t = Preprocessing.sortBy(t, USER, TIME);
        t = Preprocessing.groupSessions(t, sessionGap().toMillis());
        t = Preprocessing.removeImmediateRepeats(t);
        t = Preprocessing.truncateLongSessions(t, MAX_SESSION_LENGTH);
        t = Preprocessing.keepTopNItems(t, topItems);
        t = Preprocessing.filterUntilAllLongAndFrequent(t, MIN_SESSION_LENGTH, MIN_ITEM_SUPPORT);
        return Preprocessing.trainTestSplit(t, 0.2);
    }

    /** The whole pipeline of the original {@code preprocess.py}: raw log in, dataset folder out. */
    public Preprocessing.Summary preprocess(Path raw, Path datasetDir, PrintStream log) {
        return preprocess(raw, datasetDir, topItems(), log);
    }

    public Preprocessing.Summary preprocess(Path raw, Path datasetDir, int topItems, PrintStream log) {
        log.println("reading " + raw + "...");
        Table clicks = read(raw);
        log.println("start preprocessing");
        Table[] trainTest = split(clicks, topItems);
        return Preprocessing.saveDataset(datasetDir, trainTest[0], trainTest[1], log);
    }
}
