package io.lessr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample download against a local HTTP server: good files, errors, bad bodies, silence and a redirect. */
class SampleDownloadTest {
    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();

    static {
        FILES.put("num_items.txt", "6\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("train.txt", "0,1,2\n3,4\n1,5,1\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("test.txt", "2,3\n".getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> checksums() {
        Map<String, String> m = new LinkedHashMap<>();
        FILES.forEach((name, bytes) -> m.put(name, SampleDownload.digest(bytes)));
        return m;
    }

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<ServerSocket> rawServers = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good/", ex -> {
            requests.incrementAndGet();
            byte[] body = FILES.get(name(ex));
            respond(ex, body == null ? 404 : 200, body == null ? new byte[0] : body);
        });
        server.createContext("/missing/", ex -> respond(ex, name(ex).equals("train.txt") ? 404 : 200,
                FILES.getOrDefault(name(ex), new byte[0])));
        server.createContext("/altered/", ex -> {
            byte[] body = FILES.get(name(ex)).clone();
            if (name(ex).equals("test.txt")) {
                body[0] = '4';
            }
            respond(ex, 200, body);
        });
        server.createContext("/moved/", ex -> {
            ex.getResponseHeaders().add("Location", "/good/" + name(ex));
            respond(ex, 302, new byte[0]);
        });
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.stop(0);
        for (ServerSocket s : rawServers) {
            s.close();
        }
    }

    private static String name(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private String url(String folder) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + folder + "/";
    }

    private SampleDownload download(String baseUrl) {
        return new SampleDownload(baseUrl, Duration.ofSeconds(2), checksums());
    }

    private void assertFilesEqual(Path dir) throws IOException {
        for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
            assertEquals(new String(f.getValue(), StandardCharsets.UTF_8), Files.readString(dir.resolve(f.getKey())));
        }
    }

    /** Only the target folder may exist after a download, never a temporary sibling. */
    private void assertNoLeftovers(String... allowed) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(allowed), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void downloadsVerifiesAndKeepsTheFilesThenUsesThemWithoutNetwork() throws IOException {
        Path dir = tmp.resolve("sample");
        SampleDownload.Result first = download(url("good")).into(dir);
        assertTrue(first.downloaded());
        assertFilesEqual(dir);
        assertEquals(3, requests.get());
        assertNoLeftovers("sample");

        SampleDownload.Result second = download(url("good")).into(dir);
        assertFalse(second.downloaded());
        assertEquals(3, requests.get(), "a complete folder is used without asking the server");
        assertTrue(second.toString().contains("already"), second.toString());
    }

    @Test
    void followsARedirect() throws IOException {
        Path dir = tmp.resolve("sample");
        assertTrue(download(url("moved")).into(dir).downloaded());
        assertFilesEqual(dir);
    }

    @Test
    void aMissingFileIsAnErrorNamingTheUrlAndStatusAndWritesNothing() throws IOException {
        Path dir = tmp.resolve("sample");
        SampleDownload.DownloadException e = assertThrows(SampleDownload.DownloadException.class,
                () -> download(url("missing")).into(dir));
        assertEquals("cannot download " + url("missing") + "train.txt: HTTP 404", e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void aWrongChecksumIsRefusedAndAnExistingFolderStaysAsItWas() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sample"));
        Files.writeString(dir.resolve("train.txt"), "old");
        SampleDownload.DownloadException e = assertThrows(SampleDownload.DownloadException.class,
                () -> download(url("altered")).into(dir));
        assertTrue(e.getMessage().startsWith("cannot download " + url("altered") + "test.txt: SHA-256 "), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + checksums().get("test.txt")), e.getMessage());
        assertEquals("old", Files.readString(dir.resolve("train.txt")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
        assertNoLeftovers("sample");
    }

    /** A raw server: answers each connection with {@code response} (or nothing) and keeps it open until the test ends. */
    private String rawServer(byte[] response) throws IOException {
        ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        rawServers.add(socket);
        Thread t = new Thread(() -> {
            List<Socket> open = new ArrayList<>();
            try {
                while (true) {
                    Socket s = socket.accept();
                    open.add(s);
                    if (response != null) {
                        s.getOutputStream().write(response);
                        s.getOutputStream().flush();
                        s.close();
                    }
                }
            } catch (IOException closed) {
                for (Socket s : open) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // the test is over
                    }
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return "http://127.0.0.1:" + socket.getLocalPort() + "/sample/";
    }

    @Test
    void aTruncatedBodyIsAnError() throws IOException {
        byte[] partial = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n6\n".getBytes(StandardCharsets.US_ASCII);
        String base = rawServer(partial);
        Path dir = tmp.resolve("sample");
        SampleDownload.DownloadException e = assertThrows(SampleDownload.DownloadException.class,
                () -> download(base).into(dir));
        assertTrue(e.getMessage().startsWith("cannot download " + base + "num_items.txt: "), e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        String base = rawServer(null);
        Path dir = tmp.resolve("sample");
        long start = System.nanoTime();
        SampleDownload.DownloadException e = assertThrows(SampleDownload.DownloadException.class,
                () -> download(base).into(dir));
        assertEquals("cannot download " + base + "num_items.txt: no answer within 2 s", e.getMessage());
        assertTrue(System.nanoTime() - start < 30e9, "gave up after the timeout");
        assertNoLeftovers();
    }

    @Test
    void nobodyListeningIsAnErrorNamingTheUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port + "/sample/";
        SampleDownload.DownloadException e = assertThrows(SampleDownload.DownloadException.class,
                () -> download(base).into(tmp.resolve("sample")));
        assertTrue(e.getMessage().startsWith("cannot download " + base + "num_items.txt: "), e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void notAnHttpUrlIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> download("ftp://example.invalid/sample/").into(tmp.resolve("sample")));
        assertEquals("not an http(s) URL: ftp://example.invalid/sample/num_items.txt", e.getMessage());
    }

    @Test
    void theBuiltInChecksumsAreTheSampleDatasets() {
        Path shared = Path.of(System.getProperty("lessr.sample.dir", "../shared/data/sample"));
        assumeTrue(Files.isDirectory(shared), "the reference copy of the sample is not beside this clone");
        assertTrue(SampleDownload.fromDefault().isComplete(shared));
    }
}
