package io.sluice.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads {@code sluice.yaml}: nested YAML maps become dotted keys, {@code ${VAR}} and {@code
 * ${VAR:-default}} are taken from the environment (so secrets never sit in the file), every value
 * is converted to its option's type and checked by the option's rule (declared beside it, in the
 * options class of its area, listed in {@link SluiceOptions}). A value under a key an option
 * replaced (the millisecond {@code -ms} keys) is still read, with a warning naming the new key. All
 * problems are reported together.
 */
public final class ConfigLoader {
    private static final Pattern ENV_REF =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    private ConfigLoader() {}

    public static SluiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static SluiceConfig load(Path file, Map<String, String> env) {
        return load(file, env, LOG::warn);
    }

    static SluiceConfig load(Path file, Map<String, String> env, Consumer<String> deprecations) {
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
        return fromFlatMap(flat, env, deprecations);
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested && !knownKeys().contains(key)) {
                flatten(key + ".", nested, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    /** Every key the file may use: the options' keys and the keys they replaced. */
    private static Set<String> knownKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            keys.add(rule.key());
            keys.addAll(rule.deprecatedKeys());
        }
        return keys;
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
        Set<String> known = knownKeys();
        List<String> current = SluiceOptions.ALL.stream().map(OptionRule::key).toList();
        for (String key : flat.keySet()) {
            if (!known.contains(key)) {
                problems.add("unknown key '" + key + "'" + suggestion(key, current));
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
                deprecations.accept(deprecation(old, rule));
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
                Object value = convert(rule, raw, env);
                rule.check(value, problems);
                values.put(rule.key(), value);
            } catch (IllegalArgumentException e) {
                problems.add("'" + key + "' " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new SluiceConfig(values);
    }

    /** The line logged for a value under a replaced key. */
    static String deprecation(String oldKey, OptionRule<?> rule) {
        String line = "'" + oldKey + "' is deprecated: write '" + rule.key() + "' instead";
        if (rule.valueClass() == Duration.class && rule.option().hasDefaultValue()) {
            line +=
                    " with a unit (e.g. "
                            + rule.key()
                            + ": "
                            + Checks.format((Duration) rule.option().defaultValue())
                            + "); a bare number under '"
                            + oldKey
                            + "' is read as milliseconds";
        }
        return line;
    }

    private static Object convert(OptionRule<?> rule, Object raw, Map<String, String> env) {
        Class<?> type = rule.valueClass();
        if (!rule.isList()) {
            return scalar(type, raw, env);
        }
        List<Object> items = new ArrayList<>();
        if (raw instanceof List<?> list) {
            for (Object item : list) {
                if (item == null || item instanceof Map || item instanceof List) {
                    throw new IllegalArgumentException(
                            "must be a list of names, found " + describe(item));
                }
                items.add(item instanceof String s ? interpolate(s, env) : item);
            }
        } else if (raw instanceof Map) {
            throw new IllegalArgumentException("must be a list, not " + describe(raw));
        } else {
            for (String part : interpolate(String.valueOf(raw), env).split(",")) {
                if (!part.isBlank()) {
                    items.add(part.trim());
                }
            }
        }
        List<Object> converted = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Object item : items) {
            if (type == String.class) {
                converted.add(String.valueOf(item));
            } else if (type.isEnum()) {
                Object choice = choice(type, item);
                if (choice == null) {
                    problems.add(
                            "entry '"
                                    + item
                                    + "' is not a "
                                    + type.getSimpleName().toLowerCase(Locale.ROOT)
                                    + "; choose from "
                                    + choices(type, ", "));
                }
                converted.add(choice);
            } else {
                converted.add(scalar(type, item, env));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return converted;
    }

    private static Object scalar(Class<?> type, Object raw, Map<String, String> env) {
        if (raw instanceof Map || raw instanceof List) {
            throw new IllegalArgumentException("must be a single value, not " + describe(raw));
        }
        if (type == String.class) {
            return interpolate(String.valueOf(raw), env);
        }
        if (type == Integer.class) {
            return (int) parseLong(raw, env, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == Long.class) {
            return parseLong(raw, env, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == Boolean.class) {
            if (raw instanceof Boolean b) {
                return b;
            }
            String b = interpolate(String.valueOf(raw), env).trim().toLowerCase(Locale.ROOT);
            if (!b.equals("true") && !b.equals("false")) {
                throw new IllegalArgumentException("must be true or false, got '" + raw + "'");
            }
            return Boolean.parseBoolean(b);
        }
        if (type == Duration.class) {
            return duration(raw, env);
        }
        if (type.isEnum()) {
            Object text = raw instanceof String s ? interpolate(s, env).trim() : raw;
            Object choice = choice(type, text);
            if (choice == null) {
                throw new IllegalArgumentException(
                        "must be " + choices(type, " or ") + ", got '" + text + "'");
            }
            return choice;
        }
        throw new IllegalStateException("no conversion to " + type.getName() + " (an option type)");
    }

    /**
     * A duration as Flink writes it ({@code 500 ms}, {@code 5 s}, {@code 10 min}, {@code 1 h},
     * {@code 7 d}); a bare number is milliseconds, which keeps the values of the old {@code -ms}
     * keys meaning what they meant.
     */
    private static Duration duration(Object raw, Map<String, String> env) {
        if (raw instanceof Duration d) {
            return d;
        }
        if (raw instanceof Number n) {
            return Duration.ofMillis(n.longValue());
        }
        String text = interpolate(String.valueOf(raw), env).trim();
        try {
            return TimeUtils.parseDuration(text.replace("_", ""));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "must be a duration such as 500 ms, 5 s, 10 min, 1 h or 7 d, got '"
                            + text
                            + "'");
        }
    }

    /** The constant of an enum named by {@code raw} (any case), or null. */
    private static Object choice(Class<?> type, Object raw) {
        if (type.isInstance(raw)) {
            return raw;
        }
        String text = String.valueOf(raw).trim();
        for (Object c : type.getEnumConstants()) {
            if (c.toString().equalsIgnoreCase(text)
                    || ((Enum<?>) c).name().equalsIgnoreCase(text)) {
                return c;
            }
        }
        return null;
    }

    /** An enum's values as the file writes them: "a or b", or "a, b, c". */
    static String choices(Class<?> type, String lastSeparator) {
        List<String> names = new ArrayList<>();
        for (Object c : type.getEnumConstants()) {
            names.add(c.toString());
        }
        if (names.size() == 2) {
            return names.get(0) + lastSeparator + names.get(1);
        }
        return String.join(", ", names);
    }

    private static long parseLong(Object raw, Map<String, String> env, long min, long max) {
        String text =
                raw instanceof Number
                        ? raw.toString()
                        : interpolate(String.valueOf(raw), env).trim();
        try {
            long v = Long.parseLong(text.replace("_", ""));
            if (v < min || v > max) {
                throw new IllegalArgumentException("is out of range: " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a whole number, got '" + text + "'");
        }
    }

    static String interpolate(String text, Map<String, String> env) {
        Matcher m = ENV_REF.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                if (m.group(2) == null) {
                    throw new IllegalArgumentException(
                            "refers to ${"
                                    + m.group(1)
                                    + "}, which is not set in the environment: export it, or"
                                    + " write ${"
                                    + m.group(1)
                                    + ":-default}");
                }
                value = m.group(3);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String suggestion(String key, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String describe(Object o) {
        return o == null
                ? "nothing"
                : o instanceof Map ? "a mapping" : o instanceof List ? "a list" : "'" + o + "'";
    }
}
