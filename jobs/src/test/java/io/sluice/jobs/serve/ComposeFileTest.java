package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml, checked without Docker: what it mounts exists, host ports are distinct, the
 * job it submits is a class of this build in the jar this build writes, the Flink image and plugin
 * are the Flink version of the build, and Grafana gets the files and variables its provisioning
 * reads.
 */
class ComposeFileTest {
    static final Path DOCKER = Path.of("..", "docker");

    /** service name to its definition, YAML anchors and merge keys resolved. */
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        try (InputStream in = Files.newInputStream(DOCKER.resolve("compose.yaml"))) {
            Map<String, Object> root = new Yaml().load(in);
            services = (Map<String, Map<String, Object>>) root.get("services");
        }
    }

    /** A short-syntax volume of a service: host path (relative to docker/) and container path. */
    record Mount(String service, Path host, String container) {}

    @SuppressWarnings("unchecked")
    static List<Mount> mounts() {
        List<Mount> all = new ArrayList<>();
        services.forEach(
                (name, s) -> {
                    for (Object v : (List<Object>) s.getOrDefault("volumes", List.of())) {
                        String[] parts = ((String) v).split(":");
                        if (parts[0].startsWith(".") || parts[0].startsWith("/")) {
                            all.add(
                                    new Mount(
                                            name, DOCKER.resolve(parts[0]).normalize(), parts[1]));
                        }
                    }
                });
        return all;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> environment(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = services.get(service).get("environment");
        if (e instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put((String) k, v == null ? "" : v.toString()));
        }
        return env;
    }

    @SuppressWarnings("unchecked")
    static List<String> command(String service) {
        Object c = services.get(service).get("command");
        return c instanceof List<?> l ? (List<String>) l : List.of(String.valueOf(c));
    }

    /** The host file behind a container path, through the service's mounts; null if unmounted. */
    static Path hostPath(String service, String containerPath) {
        for (Mount m : mounts()) {
            if (!m.service().equals(service)) {
                continue;
            }
            if (containerPath.equals(m.container())) {
                return m.host();
            }
            if (containerPath.startsWith(m.container() + "/")) {
                return m.host().resolve(containerPath.substring(m.container().length() + 1));
            }
        }
        return null;
    }

    /** The jar the jobs module builds; it exists only after {@code mvn package}. */
    static Path builtJar() throws Exception {
        Matcher finalName =
                Pattern.compile("<finalName>([^<]+)</finalName>")
                        .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(finalName.find()).isTrue();
        return Path.of("..", "jobs", "target", finalName.group(1) + ".jar").normalize();
    }

    /** Whether {@code host} exists, or is the build's jar, which a package build writes. */
    static boolean existsOrIsBuilt(Path host) throws Exception {
        return Files.exists(host) || host.equals(builtJar());
    }

    @Test
    void everyMountedHostPathExists() throws Exception {
        assertThat(mounts()).isNotEmpty();
        for (Mount m : mounts()) {
            assertThat(existsOrIsBuilt(m.host())).as(m.service() + " mounts " + m.host()).isTrue();
        }
    }

    @Test
    void everyFileAServiceNamesUnderAMountExists() throws Exception {
        int found = 0;
        for (String name : services.keySet()) {
            List<String> values = new ArrayList<>(command(name));
            values.addAll(environment(name).values());
            for (String v : values) {
                Path host = v.startsWith("/") ? hostPath(name, v) : null;
                if (host != null) {
                    assertThat(existsOrIsBuilt(host)).as(name + " reads " + v).isTrue();
                    found++;
                }
            }
        }
        assertThat(found).isGreaterThanOrEqualTo(3); // the jar, the config, the home dashboard
    }

    @Test
    @SuppressWarnings("unchecked")
    void hostPortsDoNotCollide() {
        Map<String, String> byPort = new HashMap<>();
        services.forEach(
                (name, s) -> {
                    for (Object p : (List<Object>) s.getOrDefault("ports", List.of())) {
                        String[] parts = p.toString().split(":");
                        String host = parts.length == 3 ? parts[0] + ":" + parts[1] : parts[0];
                        String before = byPort.put(host, name);
                        if (before != null) {
                            fail("host port " + host + " of " + name + " is also " + before + "'s");
                        }
                    }
                });
        assertThat(byPort).containsKeys("15432", "18123", "8081", "3000");
    }

    @Test
    void theSubmittedJobsAreClassesOfThisBuildInTheJarItWrites() throws Exception {
        Path jar = builtJar();
        Set<String> submitted = new TreeSet<>();
        for (String name : services.keySet()) {
            List<String> cmd = command(name);
            if (!cmd.isEmpty() && cmd.get(0).equals("flink") && cmd.contains("run")) {
                int c = cmd.indexOf("-c");
                assertThat(c).as(name + " names its main class").isPositive();
                Class<?> main = Class.forName(cmd.get(c + 1));
                assertThat(main.getMethod("main", String[].class)).isNotNull();
                submitted.add(main.getName());
                String jarInContainer = cmd.get(c + 2);
                assertThat(hostPath(name, jarInContainer))
                        .as(name + " submits " + jarInContainer)
                        .isEqualTo(jar);
                assertThat(cmd.subList(c + 3, cmd.size())).contains("--config");
                assertThat(environment(name)).containsKey("SLUICE_PII_KEY");
            }
        }
        assertThat(submitted).contains("io.sluice.jobs.analytics.AnalyticsJob");
    }

    @Test
    void flinkImagesAndS3PluginAreTheBuildsFlinkVersion() throws Exception {
        Matcher version =
                Pattern.compile("<flink.version>([^<]+)</flink.version>")
                        .matcher(Files.readString(Path.of("..", "pom.xml")));
        assertThat(version.find()).isTrue();
        for (String name : List.of("jobmanager", "taskmanager", "analytics")) {
            assertThat((String) services.get(name).get("image"))
                    .startsWith("flink:" + version.group(1) + "-");
            assertThat(environment(name).get("ENABLE_BUILT_IN_PLUGINS"))
                    .isEqualTo("flink-s3-fs-hadoop-" + version.group(1) + ".jar");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaGetsItsProvisioningDashboardsAndVariables() throws Exception {
        Map<String, String> env = environment("grafana");
        assertThat(env.get("GF_INSTALL_PLUGINS")).contains(GrafanaDashboards.CLICKHOUSE_TYPE);
        for (String kind : List.of("datasources", "dashboards", "alerting")) {
            assertThat(hostPath("grafana", "/etc/grafana/provisioning/" + kind))
                    .isEqualTo(DOCKER.resolve("grafana/provisioning/" + kind).normalize());
        }
        try (InputStream in =
                Files.newInputStream(
                        DOCKER.resolve("grafana/provisioning/dashboards/sluice.yaml"))) {
            Map<String, Object> root = new Yaml().load(in);
            Map<String, Object> provider =
                    ((List<Map<String, Object>>) root.get("providers")).get(0);
            String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
            assertThat(hostPath("grafana", path))
                    .isEqualTo(DOCKER.resolve("grafana/dashboards").normalize());
        }
        String datasources =
                Files.readString(DOCKER.resolve("grafana/provisioning/datasources/sluice.yaml"))
                        .replaceAll("(?m)^\\s*#.*$", "");
        Matcher variable = Pattern.compile("\\$\\{?(\\w+)}?").matcher(datasources);
        while (variable.find()) {
            assertThat(env).as("grafana's environment").containsKey(variable.group(1));
        }
    }
}
