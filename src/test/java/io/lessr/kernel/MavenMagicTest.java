package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code %maven} with Maven's resolver: transitive dependencies from a file-URL repository that the test
 * writes (reached through a settings.xml mirror, as a company mirror would be), clear errors for a typo
 * and for an unreachable repository; and Maven Central itself, into an empty local repository (the README's
 * set-up reaches it, as Maven does).
 */
class MavenMagicTest {
    @TempDir
    Path tmp;

    private JavaKernel kernel;
    private String oldRepo;
    private String oldSettings;

    @BeforeEach
    void start() {
        oldRepo = System.getProperty("maven.repo.local");
        oldSettings = System.getProperty("lessr.maven.settings");
        System.setProperty("maven.repo.local", tmp.resolve("local").toString()); // empty: everything is fetched
        kernel = new JavaKernel();
    }

    @AfterEach
    void stop() {
        kernel.onShutdown(false);
        restore("maven.repo.local", oldRepo);
        restore("lessr.maven.settings", oldSettings);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private void mirrorEverythingTo(String url) throws IOException {
        Path settings = tmp.resolve("settings.xml");
        Files.writeString(settings, "<settings><mirrors><mirror><id>company</id><mirrorOf>*</mirrorOf><url>" + url
                + "</url></mirror></mirrors></settings>");
        System.setProperty("lessr.maven.settings", settings.toString());
    }

    @Test
    void resolvesAnArtifactWithItsDependenciesThroughAMirror() throws Exception {
        Path repo = tmp.resolve("repo");
        publish(repo, "words", "package com.example.words; public class Words { public static String greeting() { return \"hello\"; } }",
                "Words", "");
        publish(repo, "greeter", "package com.example.greeter; public class Greeter { public static String greet(String who) {"
                + " return com.example.words.Words.greeting() + \", \" + who; } }", "Greeter",
                "<dependencies><dependency><groupId>com.example</groupId><artifactId>words</artifactId>"
                        + "<version>1.0</version></dependency></dependencies>");
        mirrorEverythingTo(repo.toUri().toString());

        kernel.eval("%maven com.example:greeter:1.0");
        assertEquals("hello, notebook", (String) kernel.eval("com.example.greeter.Greeter.greet(\"notebook\")")
                .getData(MIMEType.TEXT_PLAIN), "the dependency came along");
        assertTrue(Files.isRegularFile(tmp.resolve("local/com/example/words/1.0/words-1.0.jar")), "kept in the local repository");

        Exception typo = assertThrows(Exception.class, () -> kernel.eval("%maven com.example:greter:1.0"));
        assertTrue(typo.getMessage().startsWith("%maven: cannot resolve com.example:greter:1.0: "), typo.getMessage());
        assertEquals("hello, again", (String) kernel.eval("com.example.greeter.Greeter.greet(\"again\")")
                .getData(MIMEType.TEXT_PLAIN), "the kernel goes on");
    }

    @Test
    void anUnreachableRepositoryIsAClearError() throws Exception {
        mirrorEverythingTo("http://127.0.0.1:9/maven2/");
        Exception e = assertThrows(Exception.class, () -> kernel.eval("%maven org.example:anything:1.0"));
        assertTrue(e.getMessage().startsWith("%maven: cannot resolve org.example:anything:1.0: "), e.getMessage());
        assertTrue(e.getMessage().contains("company http://127.0.0.1:9/maven2/"), "names the repository: " + e.getMessage());
    }

    @Test
    void resolvesFromMavenCentral() throws Exception {
        System.setProperty("lessr.maven.settings", tmp.resolve("no-settings.xml").toString());
        kernel.eval("%maven org.apache.commons:commons-text:1.13.0");
        assertEquals("Notebook", (String) kernel.eval("org.apache.commons.text.WordUtils.capitalize(\"notebook\")")
                .getData(MIMEType.TEXT_PLAIN));
        assertTrue(Files.isDirectory(tmp.resolve("local/org/apache/commons/commons-lang3")), "with its dependency");
    }

    /** Compiles {@code source} into com.example:{@code artifact}:1.0 in the Maven layout, with checksums. */
    private void publish(Path repo, String artifact, String source, String className, String dependencies) throws Exception {
        Path src = tmp.resolve("src-" + artifact);
        Path pkg = Files.createDirectories(src.resolve("com/example/" + artifact));
        Files.writeString(pkg.resolve(className + ".java"), source);
        Path classes = Files.createDirectories(tmp.resolve("classes-" + artifact));
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "-cp", repo.resolve("com/example/words/1.0/words-1.0.jar").toString(), pkg.resolve(className + ".java").toString());
        assertEquals(0, status, "compiles");
        Path dir = Files.createDirectories(repo.resolve("com/example/" + artifact + "/1.0"));
        Path jar = dir.resolve(artifact + "-1.0.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            String entry = "com/example/" + artifact + "/" + className + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(classes.resolve(entry)));
            out.closeEntry();
        }
        Path pom = dir.resolve(artifact + "-1.0.pom");
        Files.writeString(pom, "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId><artifactId>"
                + artifact + "</artifactId><version>1.0</version>" + dependencies + "</project>");
        for (Path f : List.of(jar, pom)) {
            String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(f)));
            try (OutputStream o = Files.newOutputStream(f.resolveSibling(f.getFileName() + ".sha1"))) {
                o.write(sha1.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
