package io.lessr.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.settings.Mirror;
import org.apache.maven.settings.Profile;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.DefaultSettingsBuilderFactory;
import org.apache.maven.settings.building.DefaultSettingsBuildingRequest;
import org.apache.maven.settings.building.SettingsBuildingException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.eclipse.aether.util.repository.AuthenticationBuilder;
import org.eclipse.aether.util.repository.DefaultAuthenticationSelector;
import org.eclipse.aether.util.repository.DefaultMirrorSelector;
import org.eclipse.aether.util.repository.DefaultProxySelector;
import org.apache.maven.settings.Repository;

/**
 * The kernel's {@code %maven}: artifacts and their runtime dependencies resolved as Maven does, with
 * Maven's own resolver in the kernel's JVM. The local repository first ({@code -Dmaven.repo.local} or
 * {@code ~/.m2/repository}), then the remote repositories of the user's {@code settings.xml}
 * ({@code ~/.m2/settings.xml}, or {@code -Dlessr.maven.settings}): its active profiles' repositories,
 * mirrors, proxies, server credentials and offline flag; Maven Central when it names none.
 */
final class MavenDependencies {
    static final String CENTRAL = "https://repo.maven.apache.org/maven2/";

    private final Path localRepository;
    private final Settings settings;

    MavenDependencies(Path localRepository, Path settingsFile) {
        this.localRepository = localRepository;
        this.settings = readSettings(settingsFile);
    }

    /** The user's local repository and settings, as {@code mvn} finds them. */
    static MavenDependencies forUser() {
        Path m2 = Path.of(System.getProperty("user.home"), ".m2");
        return new MavenDependencies(
                Path.of(System.getProperty("maven.repo.local", m2.resolve("repository").toString())),
                Path.of(System.getProperty("lessr.maven.settings", m2.resolve("settings.xml").toString())));
    }

    /** The jars of {@code coordinates} ({@code group:artifact[:extension[:classifier]]:version}) and of their runtime dependencies. */
    List<Path> resolve(List<String> coordinates) {
        List<Dependency> roots = new ArrayList<>();
        for (String c : coordinates) {
            try {
                roots.add(new Dependency(new DefaultArtifact(c), JavaScopes.RUNTIME));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("%maven: '" + c + "' is not group:artifact:version");
            }
        }
        RepositorySystem system = new RepositorySystemSupplier().get();
        List<RemoteRepository> repositories = List.of();
        try (RepositorySystemSession.CloseableSession session = session(system)) {
            repositories = repositories(system, session);
            CollectRequest collect = new CollectRequest(roots, List.of(), repositories);
            DependencyRequest request = new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
            List<Path> jars = new ArrayList<>();
            for (ArtifactResult r : system.resolveDependencies(session, request).getArtifactResults()) {
                jars.add(r.getArtifact().getPath());
            }
            return jars;
        } catch (DependencyResolutionException e) {
            StringBuilder from = new StringBuilder();
            for (RemoteRepository r : repositories) {
                from.append(from.length() == 0 ? "" : ", ").append(r.getId()).append(' ').append(r.getUrl());
            }
            throw new IllegalArgumentException("%maven: cannot resolve " + String.join(", ", coordinates) + ": "
                    + rootCause(e) + "; looked in " + localRepository + " and " + from
                    + (settings.isOffline() ? " (settings.xml says offline)" : ""));
        } finally {
            system.shutdown();
        }
    }

    private RepositorySystemSession.CloseableSession session(RepositorySystem system) {
        DefaultMirrorSelector mirrors = new DefaultMirrorSelector();
        for (Mirror m : settings.getMirrors()) {
            mirrors.add(m.getId(), m.getUrl(), m.getLayout(), false, m.isBlocked(), m.getMirrorOf(), m.getMirrorOfLayouts());
        }
        DefaultProxySelector proxies = new DefaultProxySelector();
        for (Proxy p : settings.getProxies()) {
            if (p.isActive()) {
                proxies.add(new org.eclipse.aether.repository.Proxy(p.getProtocol(), p.getHost(), p.getPort(),
                        new AuthenticationBuilder().addUsername(p.getUsername()).addPassword(p.getPassword()).build()),
                        p.getNonProxyHosts());
            }
        }
        DefaultAuthenticationSelector auth = new DefaultAuthenticationSelector();
        for (Server s : settings.getServers()) {
            auth.add(s.getId(), new AuthenticationBuilder().addUsername(s.getUsername()).addPassword(s.getPassword())
                    .addPrivateKey(s.getPrivateKey(), s.getPassphrase()).build());
        }
        return new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(localRepository)
                .setOffline(settings.isOffline())
                .setMirrorSelector(mirrors)
                .setProxySelector(proxies)
                .setAuthenticationSelector(auth)
                .setSystemProperties(System.getProperties())
                .build();
    }

    /** The active profiles' repositories, else Central; each through its mirror, proxy and credentials. */
    private List<RemoteRepository> repositories(RepositorySystem system, RepositorySystemSession session) {
        List<RemoteRepository> repos = new ArrayList<>();
        for (Profile profile : settings.getProfiles()) {
            boolean active = settings.getActiveProfiles().contains(profile.getId())
                    || profile.getActivation() != null && profile.getActivation().isActiveByDefault();
            if (active) {
                for (Repository r : profile.getRepositories()) {
                    repos.add(new RemoteRepository.Builder(r.getId(), "default", r.getUrl()).build());
                }
            }
        }
        if (repos.stream().noneMatch(r -> r.getId().equals("central"))) {
            repos.add(new RemoteRepository.Builder("central", "default", CENTRAL).build());
        }
        return system.newResolutionRepositories(session, repos);
    }

    private static Settings readSettings(Path file) {
        if (!Files.isRegularFile(file)) {
            return new Settings();
        }
        DefaultSettingsBuildingRequest request = new DefaultSettingsBuildingRequest()
                .setUserSettingsFile(file.toFile())
                .setSystemProperties(System.getProperties());
        try {
            return new DefaultSettingsBuilderFactory().newInstance().build(request).getEffectiveSettings();
        } catch (SettingsBuildingException e) {
            throw new IllegalArgumentException("%maven: cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String own = e.getMessage() == null ? "" : e.getMessage();
        return t == e || t.getMessage() == null ? own : own + " (" + t.getMessage() + ")";
    }
}
