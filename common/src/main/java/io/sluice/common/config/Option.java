package io.sluice.common.config;

import java.io.Serializable;
import java.util.List;

/**
 * One configuration key of {@code sluice.yaml}: its dotted path, type, default and description.
 * Declared once in {@link SluiceOptions}; the loader validates against them and the README table of
 * options is written from them.
 */
public final class Option<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The value types a key can have. */
    public enum Type {
        STRING,
        INT,
        LONG,
        BOOLEAN,
        STRING_LIST
    }

    private final String key;
    private final Type type;
    private final T defaultValue;
    private final boolean required;
    private final String description;

    private Option(String key, Type type, T defaultValue, boolean required, String description) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.required = required;
        this.description = description;
    }

    public static Option<String> string(String key, String defaultValue, String description) {
        return new Option<>(key, Type.STRING, defaultValue, false, description);
    }

    public static Option<String> requiredString(String key, String description) {
        return new Option<>(key, Type.STRING, null, true, description);
    }

    public static Option<Integer> integer(String key, int defaultValue, String description) {
        return new Option<>(key, Type.INT, defaultValue, false, description);
    }

    public static Option<Long> longValue(String key, long defaultValue, String description) {
        return new Option<>(key, Type.LONG, defaultValue, false, description);
    }

    public static Option<Boolean> bool(String key, boolean defaultValue, String description) {
        return new Option<>(key, Type.BOOLEAN, defaultValue, false, description);
    }

    public static Option<List<String>> requiredList(String key, String description) {
        return new Option<>(key, Type.STRING_LIST, null, true, description);
    }

    public static Option<List<String>> list(
            String key, List<String> defaultValue, String description) {
        return new Option<>(key, Type.STRING_LIST, List.copyOf(defaultValue), false, description);
    }

    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public boolean required() {
        return required;
    }

    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return key;
    }
}
