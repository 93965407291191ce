package io.sluice.common.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated Sluice configuration: every key of {@link SluiceOptions} with its value (the default
 * where the file is silent). Immutable and serializable, so jobs hand it to operators.
 */
public final class SluiceConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, Object> values;

    SluiceConfig(Map<String, Object> values) {
        this.values = new HashMap<>(values);
    }

    /** A configuration from explicit values (tests, embedded use); validated like a file. */
    public static SluiceConfig of(Map<String, ?> values) {
        return ConfigLoader.fromFlatMap(new HashMap<>(values), Map.of());
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        Object v = values.get(option.key());
        if (v == null) {
            return option.defaultValue();
        }
        if (v instanceof List<?> list) {
            return (T) Collections.unmodifiableList(list);
        }
        return (T) v;
    }

    /** A copy with one value replaced (and validated again). */
    public SluiceConfig with(Option<?> option, Object value) {
        HashMap<String, Object> copy = new HashMap<>(values);
        copy.put(option.key(), value);
        return ConfigLoader.fromFlatMap(copy, Map.of());
    }

    public List<TableId> tables() {
        List<TableId> ids = new ArrayList<>();
        for (String name : get(SluiceOptions.PG_TABLES)) {
            ids.add(TableId.parse(name));
        }
        return ids;
    }

    public String postgresJdbcUrl() {
        return "jdbc:postgresql://"
                + get(SluiceOptions.PG_HOST)
                + ":"
                + get(SluiceOptions.PG_PORT)
                + "/"
                + get(SluiceOptions.PG_DATABASE);
    }

    /** The values for logging: passwords masked. */
    @Override
    public String toString() {
        Map<String, Object> shown = new java.util.TreeMap<>();
        for (Option<?> o : SluiceOptions.ALL) {
            Object v = get(o);
            shown.put(
                    o.key(),
                    o.key().endsWith("password") && v != null && !"".equals(v) ? "***" : v);
        }
        return shown.toString();
    }
}
