package io.sluice.common.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * A validated Sluice configuration: the value of every option of {@link SluiceOptions} (the default
 * where the file is silent), already converted to the option's type. Immutable and serializable, so
 * jobs hand it to operators.
 */
public final class SluiceConfig implements ReadableConfig, Serializable {
    private static final long serialVersionUID = 1L;

    /** Converted values by option key, only those the file set. */
    private final HashMap<String, Object> values;

    SluiceConfig(Map<String, Object> values) {
        this.values = new HashMap<>(values);
    }

    /**
     * A configuration from explicit values (tests, embedded use), validated like a file. Values may
     * be typed ({@code Duration}, an enum, a list) or written as in the file.
     */
    public static SluiceConfig of(Map<String, ?> values) {
        return ConfigLoader.fromFlatMap(new HashMap<>(values), Map.of());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigOption<T> option) {
        Object v = values.get(option.key());
        if (v == null) {
            return option.defaultValue();
        }
        if (v instanceof List<?> list) {
            return (T) Collections.unmodifiableList(list);
        }
        return (T) v;
    }

    /** Whether the file set {@code option} (or the code, with {@link #with}), not its default. */
    public boolean isSet(ConfigOption<?> option) {
        return values.containsKey(option.key());
    }

    @Override
    public <T> Optional<T> getOptional(ConfigOption<T> option) {
        return Optional.ofNullable(get(option));
    }

    /** Every option with a value, as text (durations as {@code 5 s}, lists comma-separated). */
    @Override
    public Map<String, String> toMap() {
        Map<String, String> map = new TreeMap<>();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            Object v = get(rule.option());
            if (v != null) {
                map.put(rule.key(), text(v));
            }
        }
        return map;
    }

    /** A copy with one value replaced (and validated again). */
    public SluiceConfig with(ConfigOption<?> option, Object value) {
        HashMap<String, Object> copy = new HashMap<>(values);
        copy.put(option.key(), value);
        return ConfigLoader.fromFlatMap(copy, Map.of());
    }

    public List<TableId> tables() {
        List<TableId> ids = new ArrayList<>();
        for (String name : get(PostgresSourceOptions.TABLES)) {
            ids.add(TableId.parse(name));
        }
        return ids;
    }

    public String postgresJdbcUrl() {
        return "jdbc:postgresql://"
                + get(PostgresSourceOptions.HOST)
                + ":"
                + get(PostgresSourceOptions.PORT)
                + "/"
                + get(PostgresSourceOptions.DATABASE);
    }

    private static String text(Object v) {
        if (v instanceof Duration d) {
            return Checks.format(d);
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(String.valueOf(o));
            }
            return String.join(",", items);
        }
        return String.valueOf(v);
    }

    /** The values for logging: passwords masked, and the credentials of URLs. */
    @Override
    public String toString() {
        Map<String, Object> shown = new TreeMap<>();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            Object v = get(rule.option());
            shown.put(
                    rule.key(),
                    rule.key().endsWith("password") && v != null && !"".equals(v)
                            ? Redaction.HIDDEN
                            : v instanceof Duration d
                                    ? Checks.format(d)
                                    : v instanceof String s ? Redaction.redact(s) : v);
        }
        return shown.toString();
    }
}
