package io.sluice.common.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * Converts a raw configuration value (as YAML read it, {@code ${VAR}} references resolved) to its
 * option's type: strings, whole numbers, booleans, durations, enum choices and lists of them.
 * Problems are thrown as {@link IllegalArgumentException}s whose message follows the key.
 */
final class ValueConverter {
    private ValueConverter() {}

    static Object convert(OptionRule<?> rule, Object raw, Map<String, String> env) {
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
                items.add(item instanceof String s ? EnvInterpolation.interpolate(s, env) : item);
            }
        } else if (raw instanceof Map) {
            throw new IllegalArgumentException("must be a list, not " + describe(raw));
        } else {
            for (String part : EnvInterpolation.interpolate(String.valueOf(raw), env).split(",")) {
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
            return EnvInterpolation.interpolate(String.valueOf(raw), env);
        }
        if (type == Integer.class) {
            return (int) parseLong(raw, env, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == Long.class) {
            return parseLong(raw, env, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == Double.class) {
            if (raw instanceof Number n) {
                return n.doubleValue();
            }
            String text = EnvInterpolation.interpolate(String.valueOf(raw), env).trim();
            try {
                double d = Double.parseDouble(text.replace("_", ""));
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a number, got '" + text + "'");
            }
        }
        if (type == Boolean.class) {
            if (raw instanceof Boolean b) {
                return b;
            }
            String b =
                    EnvInterpolation.interpolate(String.valueOf(raw), env)
                            .trim()
                            .toLowerCase(Locale.ROOT);
            if (!b.equals("true") && !b.equals("false")) {
                throw new IllegalArgumentException("must be true or false, got '" + raw + "'");
            }
            return Boolean.parseBoolean(b);
        }
        if (type == Duration.class) {
            return duration(raw, env);
        }
        if (type == MemorySize.class) {
            return memorySize(raw, env);
        }
        if (type.isEnum()) {
            Object text =
                    raw instanceof String s ? EnvInterpolation.interpolate(s, env).trim() : raw;
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
        String text = EnvInterpolation.interpolate(String.valueOf(raw), env).trim();
        try {
            return TimeUtils.parseDuration(text.replace("_", ""));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "must be a duration such as 500 ms, 5 s, 10 min, 1 h or 7 d, got '"
                            + text
                            + "'");
        }
    }

    /** A size as Flink writes it ({@code 4 mb}, {@code 512 kb}); a bare number is bytes. */
    private static MemorySize memorySize(Object raw, Map<String, String> env) {
        if (raw instanceof MemorySize m) {
            return m;
        }
        if (raw instanceof Number n) {
            return new MemorySize(n.longValue());
        }
        String text = EnvInterpolation.interpolate(String.valueOf(raw), env).trim();
        try {
            return MemorySize.parse(text.replace("_", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "must be a size such as 512 kb, 4 mb or 1 gb, got '" + text + "'");
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
                        : EnvInterpolation.interpolate(String.valueOf(raw), env).trim();
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

    private static String describe(Object o) {
        return o == null
                ? "nothing"
                : o instanceof Map ? "a mapping" : o instanceof List ? "a list" : "'" + o + "'";
    }
}
