package io.sluice.common.config;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * The value checks the options classes use in their rules. Each message says what the value must be
 * and what it was; {@link OptionRule} puts the key in front.
 */
public final class Checks {
    private Checks() {}

    /** A number above zero. */
    public static OptionRule.Check<Number> positive() {
        return (n, problems) -> {
            if (n.longValue() <= 0) {
                problems.add("must be positive, got " + n);
            }
        };
    }

    /** Zero or a number above it. */
    public static OptionRule.Check<Number> notNegative() {
        return (n, problems) -> {
            if (n.longValue() < 0) {
                problems.add("must be 0 or more, got " + n);
            }
        };
    }

    /** A fraction strictly between 0 and 1. */
    public static OptionRule.Check<Number> fraction() {
        return (n, problems) -> {
            double d = n.doubleValue();
            if (!(d > 0 && d < 1)) {
                problems.add("must be a fraction between 0 and 1 (0.02 is 2 %), got " + n);
            }
        };
    }

    /** A whole number of minutes, from 1 minute to 1 day. */
    public static OptionRule.Check<Duration> wholeMinutes() {
        return (d, problems) -> {
            if (d.toMillis() % 60_000 != 0
                    || d.compareTo(Duration.ofMinutes(1)) < 0
                    || d.compareTo(Duration.ofDays(1)) > 0) {
                problems.add("must be whole minutes from 1 min to 1 d, got " + format(d));
            }
        };
    }

    /** A duration longer than zero. */
    public static OptionRule.Check<Duration> positiveDuration() {
        return (d, problems) -> {
            if (d.isNegative() || d.isZero()) {
                problems.add("must be positive, got " + format(d));
            }
        };
    }

    /** A size of at least {@code min}. */
    public static OptionRule.Check<MemorySize> sizeAtLeast(MemorySize min) {
        return (m, problems) -> {
            if (m.compareTo(min) < 0) {
                problems.add("must be at least " + min + ", got " + m);
            }
        };
    }

    /** Zero or a longer duration. */
    public static OptionRule.Check<Duration> notNegativeDuration() {
        return (d, problems) -> {
            if (d.isNegative()) {
                problems.add("must be 0 or more, got " + format(d));
            }
        };
    }

    /** A ClickHouse or Postgres object name Sluice writes into SQL unquoted. */
    public static OptionRule.Check<String> lowerCaseIdentifier() {
        return (s, problems) -> {
            if (!s.matches("[a-z_][a-z0-9_]*")) {
                problems.add(
                        "must be a lower-case identifier (letters, digits, _), got '" + s + "'");
            }
        };
    }

    /** A Postgres table name: {@code schema.table}, or {@code table} in the public schema. */
    public static OptionRule.Check<String> tableName() {
        return (s, problems) -> {
            if (TableId.parse(s) == null) {
                problems.add("must be a table name (schema.table or table), got '" + s + "'");
            }
        };
    }

    /** A column name: not empty or blank. */
    public static OptionRule.Check<String> notBlank() {
        return (s, problems) -> {
            if (s.isBlank()) {
                problems.add("must name a column, got '" + s + "'");
            }
        };
    }

    /**
     * Every entry of a list matches {@code regex}; otherwise "entry 'x' must be {@code expected}".
     */
    public static OptionRule.Check<List<String>> eachEntryMatches(String regex, String expected) {
        return (entries, problems) -> {
            for (String e : entries) {
                if (!e.matches(regex)) {
                    problems.add("entry '" + e + "' must be " + expected);
                }
            }
        };
    }

    /**
     * Every entry of a list parses with {@code parser}; otherwise the parser's message for the
     * entry.
     */
    public static OptionRule.Check<List<String>> eachEntryParses(
            java.util.function.Function<String, ?> parser) {
        return (entries, problems) -> {
            for (String e : entries) {
                try {
                    parser.apply(e);
                } catch (IllegalArgumentException ex) {
                    problems.add("entry '" + e + "': " + ex.getMessage());
                }
            }
        };
    }

    /** A duration as the docs and messages write it: {@code 5 s}, {@code 10 min}, {@code 7 d}. */
    public static String format(Duration d) {
        return d.isNegative() ? d.toMillis() + " ms" : TimeUtils.formatWithHighestUnit(d);
    }
}
