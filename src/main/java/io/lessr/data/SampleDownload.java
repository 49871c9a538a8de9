package io.lessr.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.net.ConnectException;
import java.util.Collections;

/**
 * The walkthrough's first step: fetch the sample dataset ({@code num_items.txt}, {@code train.txt},
 * {@code test.txt}) from a base URL, check each file's SHA-256 and keep the three files in a dataset
 * folder, written atomically. A folder that already holds the three files with the right checksums
 * is used as it is, without network.
 *
 * <p>Any failure (no network, an HTTP error, a body shorter than announced, a wrong checksum, a
 * server that does not answer in time) is a {@link DownloadException} naming the URL and the
 * reason, and leaves the folder as it was.
 */
public final class SampleDownload {
    /** twchen/lessr's own copy of the sample, as raw files. */
    public static final String DEFAULT_BASE_URL = "https://raw.githubusercontent.com/twchen/lessr/master/datasets/sample/";

    /** SHA-256 of each file of the sample dataset. */
    public static final Map<String, String> SHA256 = checksums();

    private static final long MAX_FILE_BYTES = 64L << 20;

    private final String baseUrl;
    private final Duration timeout;
    private final Map<String, String> sha256;

    public SampleDownload(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, SHA256);
    }

    /** Other files than the sample's: {@code sha256} maps each file name to its checksum. */
    public SampleDownload(String baseUrl, Duration timeout, Map<String, String> sha256) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        this.timeout = timeout;
        this.sha256 = Collections.unmodifiableMap(new LinkedHashMap<>(sha256));
    }

    /** The default location with a 30 s timeout for connecting and for each response. */
    public static SampleDownload fromDefault() {
        return new SampleDownload(DEFAULT_BASE_URL, Duration.ofSeconds(30));
    }

    /** A download failure: {@link #getMessage()} names the URL and the reason. */
    public static final class DownloadException extends UncheckedIOException {
        public DownloadException(String message, IOException cause) {
            super(message, cause);
        }
    }

    /** What {@link #into} did: downloaded the files, or found them already there. */
    public record Result(Path dir, boolean downloaded, String baseUrl) {
        @Override
        public String toString() {
            return downloaded ? "downloaded the sample from " + baseUrl + " into " + dir + ", checksums verified"
                    : "the sample is already in " + dir + ", checksums verified";
        }
    }

    /** Makes {@code dir} hold the verified sample, downloading it unless it is already there. */
    public Result into(Path dir) {
        if (isComplete(dir)) {
            return new Result(dir, false, baseUrl);
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : sha256.keySet()) {
            files.put(name, fetch(client, name));
        }
        AtomicDirectory.write(dir, tmp -> {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path file = tmp.resolve(f.getKey());
                Files.write(file, f.getValue());
                AtomicDirectory.readableByAll(file, "rw-r--r--");
            }
        });
        return new Result(dir, true, baseUrl);
    }

    /** True when {@code dir} holds every file with its expected checksum. */
    public boolean isComplete(Path dir) {
        for (Map.Entry<String, String> f : sha256.entrySet()) {
            Path file = dir.resolve(f.getKey());
            try {
                if (!Files.isRegularFile(file) || !f.getValue().equals(digest(Files.readAllBytes(file)))) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private byte[] fetch(HttpClient client, String name) {
        String url = baseUrl + name;
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        byte[] body;
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw fail(url, "HTTP " + response.statusCode(), null);
                }
                body = readCapped(in, url);
            }
        } catch (HttpTimeoutException e) {
            throw fail(url, "no answer within " + timeout.toSeconds() + " s", e);
        } catch (DownloadException e) {
            throw e;
        } catch (IOException e) {
            // A body cut short (fewer bytes than Content-Length) lands here too.
            throw fail(url, reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(url, "interrupted", null);
        }
        String actual = digest(body);
        if (!actual.equals(sha256.get(name))) {
            throw fail(url, "SHA-256 " + actual + " (" + body.length + " bytes), expected " + sha256.get(name), null);
        }
        return body;
    }

    private static byte[] readCapped(InputStream in, String url) throws IOException {
        byte[] body = in.readNBytes((int) MAX_FILE_BYTES + 1);
        if (body.length > MAX_FILE_BYTES) {
            throw fail(url, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB", null);
        }
        return body;
    }

    /** The first message in the cause chain, with the exception's kind: "ConnectException" alone says little. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage() + " (" + e.getClass().getSimpleName() + ")";
            }
        }
        return e instanceof ConnectException ? "connection refused or network unreachable" : e.getClass().getSimpleName();
    }

    private static DownloadException fail(String url, String reason, IOException cause) {
        String message = "cannot download " + url + ": " + reason;
        return new DownloadException(message, cause != null ? cause : new IOException(message));
    }

    static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> checksums() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SessionDataset.NUM_ITEMS_FILE, "b44772b12eec5b5e73b363df835f2f14c12f1c740e99145429f12765e7cee0c8");
        m.put(SessionDataset.TRAIN_FILE, "c5b4ffc144e1fe1ce2d980eb4ab112a1d88ad41d4a727c3e13d5d7a0cc386c96");
        m.put(SessionDataset.TEST_FILE, "453539cb352e676ffa511e2a18b9d0b72125f64c23618377145bf1b75c73132e");
        return Collections.unmodifiableMap(m);
    }
}
