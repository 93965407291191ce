package io.sluice.common.config;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * A product feature whose adoption the analytics job follows by cohort week, written {@code
 * event_name} or {@code event_name.property}:
 *
 * <ul>
 *   <li>{@code event_name}: the feature is that event; an event of that name is a use, and the
 *       feature's name (the {@code feature} column) is the event name.
 *   <li>{@code event_name.property}: every distinct text value of {@code property} on events of
 *       that name is a feature of its own, named by the value; an event of that name lacking the
 *       property (or whose value is JSON null, an object or an array) is no use of any.
 * </ul>
 *
 * @param eventName the event name, an identifier
 * @param property the property key, an identifier; null for an event-name feature
 */
public record FeatureDefinition(String eventName, String property) implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public FeatureDefinition {
        if (eventName == null || !IDENTIFIER.matcher(eventName).matches()) {
            throw new IllegalArgumentException(
                    "feature event name "
                            + quoted(eventName)
                            + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
        }
        if (property != null && !IDENTIFIER.matcher(property).matches()) {
            throw new IllegalArgumentException(
                    "feature property "
                            + quoted(property)
                            + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
        }
    }

    /** Parses {@code event_name} or {@code event_name.property}. */
    public static FeatureDefinition parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "a feature is written event_name or event_name.property, got " + quoted(text));
        }
        String t = text.trim();
        String[] parts = t.split("\\.", -1);
        boolean valid =
                parts.length <= 2
                        && IDENTIFIER.matcher(parts[0]).matches()
                        && (parts.length == 1 || IDENTIFIER.matcher(parts[1]).matches());
        if (!valid) {
            throw new IllegalArgumentException(
                    "feature "
                            + quoted(text)
                            + " is not event_name or event_name.property, each an identifier"
                            + " ([A-Za-z_][A-Za-z0-9_]*), e.g. export_clicked or"
                            + " button_clicked.button_id");
        }
        return new FeatureDefinition(parts[0], parts.length == 2 ? parts[1] : null);
    }

    /** Whether each value of a property is a feature (rather than the event itself). */
    public boolean byProperty() {
        return property != null;
    }

    /** The text {@link #parse} reads back. */
    @Override
    public String toString() {
        return property == null ? eventName : eventName + "." + property;
    }

    private static String quoted(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
