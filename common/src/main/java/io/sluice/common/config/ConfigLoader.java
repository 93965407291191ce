package io.sluice.common.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code sluice.yaml}: nested YAML maps become dotted keys, {@code ${VAR}} and {@code
 * ${VAR:-default}} are taken from the environment (so secrets never sit in the file), every value
 * is converted to its option's type and checked by the option's rule (declared beside it, in the
 * options class of its area, listed in {@link SluiceOptions}). A value under a key an option
 * replaced (the millisecond {@code -ms} keys) is still read, with a warning naming the new key. All
 * problems are reported together.
 *
 * <p>This class resolves each option's value; {@link YamlConfigFile} reads the file, {@link
 * EnvInterpolation} resolves {@code ${VAR}}, {@link ValueConverter} converts values and {@link
 * ConfigKeys} knows the keys (deprecated ones included).
 */
public final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    private ConfigLoader() {}

    public static SluiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static SluiceConfig load(Path file, Map<String, String> env) {
        return load(file, env, LOG::warn);
    }

    static SluiceConfig load(Path file, Map<String, String> env, Consumer<String> deprecations) {
        return fromFlatMap(YamlConfigFile.read(file), env, deprecations);
    }

    static SluiceConfig fromFlatMap(Map<String, Object> flat, Map<String, String> env) {
        return fromFlatMap(flat, env, LOG::warn);
    }

    /**
     * Converts and checks every option; {@code deprecations} receives one line per value written
     * under a key an option replaced.
     */
    static SluiceConfig fromFlatMap(
            Map<String, Object> flat, Map<String, String> env, Consumer<String> deprecations) {
        List<String> problems = new ArrayList<>();
        Set<String> known = ConfigKeys.known();
        List<String> current = SluiceOptions.ALL.stream().map(OptionRule::key).toList();
        for (String key : flat.keySet()) {
            if (!known.contains(key)) {
                problems.add("unknown key '" + key + "'" + ConfigKeys.suggestion(key, current));
            }
        }
        Map<String, Object> values = new HashMap<>();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            String key = rule.key();
            Object raw = flat.get(key);
            for (String old : rule.deprecatedKeys()) {
                if (!flat.containsKey(old)) {
                    continue;
                }
                if (raw != null) {
                    problems.add(
                            "'"
                                    + key
                                    + "' and '"
                                    + old
                                    + "', the key it replaced, are both set: keep only '"
                                    + key
                                    + "'");
                    continue;
                }
                deprecations.accept(ConfigKeys.deprecation(old, rule));
                key = old;
                raw = flat.get(old);
            }
            if (raw == null) {
                if (rule.required()) {
                    problems.add("'" + rule.key() + "' is required: " + rule.description());
                }
                continue;
            }
            try {
                Object value = ValueConverter.convert(rule, raw, env);
                rule.check(value, problems);
                values.put(rule.key(), value);
            } catch (IllegalArgumentException e) {
                problems.add("'" + key + "' " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        SluiceConfig config = new SluiceConfig(values);
        SourceOptions.checkTogether(config, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }
}
