package io.sluice.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads {@code sluice.yaml}: nested YAML maps become dotted keys, {@code ${VAR}} and {@code
 * ${VAR:-default}} are taken from the environment (so secrets never sit in the file), and every key
 * is checked against {@link SluiceOptions}. All problems are reported together.
 */
public final class ConfigLoader {
    private static final Pattern ENV_REF =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private ConfigLoader() {}

    public static SluiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static SluiceConfig load(Path file, Map<String, String> env) {
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
        return fromFlatMap(flat, env);
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested && !isOptionKey(key)) {
                flatten(key + ".", nested, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    private static boolean isOptionKey(String key) {
        return SluiceOptions.ALL.stream().anyMatch(o -> o.key().equals(key));
    }

    static SluiceConfig fromFlatMap(Map<String, Object> flat, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        Map<String, Option<?>> known = new HashMap<>();
        for (Option<?> o : SluiceOptions.ALL) {
            known.put(o.key(), o);
        }
        for (String key : flat.keySet()) {
            if (!known.containsKey(key)) {
                problems.add("unknown key '" + key + "'" + suggestion(key, known.keySet()));
            }
        }
        Map<String, Object> values = new HashMap<>();
        for (Option<?> option : SluiceOptions.ALL) {
            Object raw = flat.get(option.key());
            if (raw == null) {
                if (option.required()) {
                    problems.add("'" + option.key() + "' is required: " + option.description());
                }
                continue;
            }
            try {
                values.put(option.key(), convert(option, raw, env));
            } catch (IllegalArgumentException e) {
                problems.add("'" + option.key() + "' " + e.getMessage());
            }
        }
        checkValues(values, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new SluiceConfig(values);
    }

    private static Object convert(Option<?> option, Object raw, Map<String, String> env) {
        switch (option.type()) {
            case STRING:
                if (raw instanceof Map || raw instanceof List) {
                    throw new IllegalArgumentException(
                            "must be a single value, not " + describe(raw));
                }
                return interpolate(String.valueOf(raw), env);
            case INT:
                return (int) parseLong(raw, env, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case LONG:
                return parseLong(raw, env, Long.MIN_VALUE, Long.MAX_VALUE);
            case BOOLEAN:
                String b = interpolate(String.valueOf(raw), env).trim().toLowerCase();
                if (!b.equals("true") && !b.equals("false")) {
                    throw new IllegalArgumentException("must be true or false, got '" + raw + "'");
                }
                return Boolean.parseBoolean(b);
            case STRING_LIST:
                List<String> list = new ArrayList<>();
                if (raw instanceof List<?> items) {
                    for (Object item : items) {
                        if (item == null || item instanceof Map || item instanceof List) {
                            throw new IllegalArgumentException(
                                    "must be a list of names, found " + describe(item));
                        }
                        list.add(interpolate(String.valueOf(item), env));
                    }
                } else {
                    for (String part : interpolate(String.valueOf(raw), env).split(",")) {
                        if (!part.isBlank()) {
                            list.add(part.trim());
                        }
                    }
                }
                return list;
            default:
                throw new IllegalStateException("unhandled option type " + option.type());
        }
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

    private static void checkValues(Map<String, Object> values, List<String> problems) {
        Object tables = values.get(SluiceOptions.PG_TABLES.key());
        if (tables instanceof List<?> list) {
            if (list.isEmpty()) {
                problems.add("'postgres.tables' is empty: name at least one table to capture");
            }
            List<TableId> seen = new ArrayList<>();
            for (Object name : list) {
                TableId id = TableId.parse(String.valueOf(name));
                if (id == null) {
                    problems.add(
                            "'postgres.tables' entry '"
                                    + name
                                    + "' is not a table name: write schema.table or table");
                } else if (seen.contains(id)) {
                    problems.add("'postgres.tables' names " + id + " twice");
                } else {
                    seen.add(id);
                }
            }
        }
        positive(values, SluiceOptions.PG_PORT, problems);
        positive(values, SluiceOptions.PG_SNAPSHOT_CHUNK_SIZE, problems);
        positive(values, SluiceOptions.PG_HEARTBEAT_MS, problems);
        positive(values, SluiceOptions.SINK_BATCH_ROWS, problems);
        positive(values, SluiceOptions.SINK_BATCH_BYTES, problems);
        positive(values, SluiceOptions.SINK_FLUSH_INTERVAL_MS, problems);
        positive(values, SluiceOptions.JOB_PARALLELISM, problems);
        positive(values, SluiceOptions.JOB_CHECKPOINT_INTERVAL_MS, problems);
        Object retries = values.get(SluiceOptions.SINK_MAX_RETRIES.key());
        if (retries instanceof Integer r && r < 0) {
            problems.add("'sink.max-retries' must be 0 or more, got " + r);
        }
        Object url = values.get(SluiceOptions.CH_URL.key());
        if (url instanceof String u && !u.matches("https?://[^/\\s]+/?")) {
            problems.add(
                    "'clickhouse.url' must be an HTTP endpoint like http://host:8123, got '"
                            + u
                            + "'");
        }
        for (Option<String> name :
                List.of(
                        SluiceOptions.PG_SLOT,
                        SluiceOptions.PG_PUBLICATION,
                        SluiceOptions.CH_DATABASE)) {
            Object v = values.get(name.key());
            if (v instanceof String s && !s.matches("[a-z_][a-z0-9_]*")) {
                problems.add(
                        "'"
                                + name.key()
                                + "' must be a lower-case identifier (letters, digits, _), got '"
                                + s
                                + "'");
            }
        }
        for (Option<Long> o :
                List.of(
                        SluiceOptions.AN_DEDUPE_TTL_MS,
                        SluiceOptions.AN_MAX_FUTURE_SKEW_MS,
                        SluiceOptions.AN_ALLOWED_LATENESS_MS,
                        SluiceOptions.AN_SESSION_GAP_MS,
                        SluiceOptions.AN_SESSION_MAX_MS)) {
            positive(values, o, problems);
        }
        Object ooo = values.get(SluiceOptions.AN_OUT_OF_ORDERNESS_MS.key());
        if (ooo instanceof Long l && l < 0) {
            problems.add("'analytics.out-of-orderness-ms' must be 0 or more, got " + l);
        }
        Object analyticsDb = values.get(SluiceOptions.AN_DATABASE.key());
        if (analyticsDb instanceof String s && !s.matches("[a-z_][a-z0-9_]*")) {
            problems.add(
                    "'analytics.database' must be a lower-case identifier (letters, digits, _),"
                            + " got '"
                            + s
                            + "'");
        }
        if (values.get(SluiceOptions.AN_PROMOTED.key()) instanceof List<?> promoted) {
            for (Object p : promoted) {
                if (!String.valueOf(p)
                        .matches("[A-Za-z_][A-Za-z0-9_]*:(String|Int64|Float64|Bool)")) {
                    problems.add(
                            "'analytics.promoted-properties' entry '"
                                    + p
                                    + "' must be key:Type with Type one of String, Int64,"
                                    + " Float64, Bool (e.g. plan:String)");
                }
            }
        }
        if (values.get(SluiceOptions.PII_COLUMNS.key()) instanceof List<?> pii) {
            for (Object c : pii) {
                if (!String.valueOf(c).matches("[^.\\s]+\\.[^.\\s]+\\.[^.\\s]+")) {
                    problems.add(
                            "'pii.columns' entry '"
                                    + c
                                    + "' must be schema.table.column (e.g. public.users.email)");
                }
            }
        }
        if (values.get(SluiceOptions.AN_ROLLUPS.key()) instanceof List<?> rollups) {
            for (Object r : rollups) {
                if (!SluiceOptions.AN_ROLLUPS.defaultValue().contains(String.valueOf(r))) {
                    problems.add(
                            "'analytics.rollups' entry '"
                                    + r
                                    + "' is not a rollup; choose from "
                                    + String.join(", ", SluiceOptions.AN_ROLLUPS.defaultValue()));
                }
            }
        }
        if (values.get(SluiceOptions.ARCHIVE_PATH.key()) instanceof String archive
                && !archive.isEmpty()
                && !archive.matches("(file:///|s3a?://[^/]+).*")) {
            problems.add(
                    "'archive.path' must be file:///absolute/dir or s3://bucket/prefix, got '"
                            + archive
                            + "'");
        }
        Object onSlotLoss = values.get(SluiceOptions.PG_ON_SLOT_LOSS.key());
        if (onSlotLoss instanceof String s && !s.equals("fail") && !s.equals("resync")) {
            problems.add("'postgres.on-slot-loss' must be fail or resync, got '" + s + "'");
        }
        Object backend = values.get(SluiceOptions.JOB_STATE_BACKEND.key());
        if (backend instanceof String s && !s.equals("hashmap") && !s.equals("rocksdb")) {
            problems.add("'job.state-backend' must be hashmap or rocksdb, got '" + s + "'");
        }
    }

    private static void positive(
            Map<String, Object> values, Option<?> option, List<String> problems) {
        Object v = values.get(option.key());
        if (v instanceof Number n && n.longValue() <= 0) {
            problems.add("'" + option.key() + "' must be positive, got " + n);
        }
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
