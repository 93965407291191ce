package io.sluice.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads {@code sluice.yaml} into dotted keys: nested YAML maps become {@code a.b.c}. */
final class YamlConfigFile {
    private YamlConfigFile() {}

    /** The file's values under dotted keys, in file order. */
    static Map<String, Object> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("configuration file " + file + " does not exist");
        }
        Object root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot read configuration file " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new ConfigException(
                    "configuration file " + file + " is not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            root = Map.of();
        }
        if (!(root instanceof Map<?, ?> rootMap)) {
            throw new ConfigException(
                    "configuration file "
                            + file
                            + " must be a YAML mapping (postgres:, clickhouse:, ...)");
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", rootMap, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested && !ConfigKeys.known().contains(key)) {
                flatten(key + ".", nested, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }
}
