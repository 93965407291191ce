package io.sluice.common.config;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;

/**
 * A Sluice option and the rule its value must meet: whether the file must set it, and a check of
 * the value once it has its type. The rules of an area stand in its options class, beside the
 * declarations ({@link PostgresSourceOptions#RULES} and the like); {@link ConfigLoader} applies
 * them all and reports every problem together.
 */
public final class OptionRule<T> {

    /** A check of a converted value; it adds one message per problem, each without the key. */
    @FunctionalInterface
    public interface Check<T> {
        void check(T value, List<String> problems);
    }

    private final ConfigOption<T> option;
    private final boolean required;
    private final List<Check<? super T>> checks;
    private final Class<?> valueClass;
    private final boolean list;

    private OptionRule(ConfigOption<T> option, boolean required, List<Check<? super T>> checks) {
        this.option = Objects.requireNonNull(option, "option");
        this.required = required;
        this.checks = List.copyOf(checks);
        this.valueClass = (Class<?>) internal(option, "getClazz");
        this.list = (Boolean) internal(option, "isList");
    }

    /** An option the file must set; its value must also pass {@code checks}. */
    @SafeVarargs
    public static <T> OptionRule<T> required(ConfigOption<T> option, Check<? super T>... checks) {
        return new OptionRule<>(option, true, List.of(checks));
    }

    /** An option with a default; a value the file sets must pass {@code checks}. */
    @SafeVarargs
    public static <T> OptionRule<T> optional(ConfigOption<T> option, Check<? super T>... checks) {
        return new OptionRule<>(option, false, List.of(checks));
    }

    public ConfigOption<T> option() {
        return option;
    }

    public String key() {
        return option.key();
    }

    public boolean required() {
        return required;
    }

    /** The type of the value, or of each element of a list. */
    public Class<?> valueClass() {
        return valueClass;
    }

    public boolean isList() {
        return list;
    }

    /** The keys this option replaced; a value written under one of them is still read. */
    public List<String> deprecatedKeys() {
        List<String> keys = new ArrayList<>();
        for (FallbackKey k : option.fallbackKeys()) {
            if (k.isDeprecated()) {
                keys.add(k.getKey());
            }
        }
        return keys;
    }

    /** The description as plain text. */
    public String description() {
        StringBuilder sb = new StringBuilder();
        for (BlockElement block : option.description().getBlocks()) {
            if (block instanceof TextElement text) {
                sb.append(sb.length() == 0 ? "" : " ").append(text.getFormat());
            }
        }
        return sb.toString();
    }

    /** Problems of a converted value, each naming the key. */
    @SuppressWarnings("unchecked")
    void check(Object value, List<String> problems) {
        List<String> found = new ArrayList<>();
        for (Check<? super T> c : checks) {
            c.check((T) value, found);
        }
        for (String p : found) {
            problems.add("'" + key() + "' " + p);
        }
    }

    /**
     * Flink keeps an option's type package-private (its documentation generator reads it the same
     * way); the loader needs it to convert YAML values with messages that name the expected form.
     */
    private static Object internal(ConfigOption<?> option, String method) {
        try {
            Method m = ConfigOption.class.getDeclaredMethod(method);
            m.setAccessible(true);
            return m.invoke(option);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read the type of option '" + option.key() + "' (Flink version?)", e);
        }
    }

    @Override
    public String toString() {
        return key();
    }
}
