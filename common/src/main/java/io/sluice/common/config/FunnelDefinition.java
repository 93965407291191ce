package io.sluice.common.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.util.TimeUtils;

/**
 * One funnel of the analytics job, parsed from one configuration string:
 *
 * <pre>{@code <name>: <step> > <step> [> <step> ...] within <duration> [ordered|strict]}</pre>
 *
 * The name is a lower-case identifier ({@code [a-z][a-z0-9_]*}); a step is an event name, with
 * optional property equality filters in braces: {@code page_view{path=/pricing, plan="pro"}}
 * (values are text, optionally in double quotes; quote a value with spaces at its ends, a comma, a
 * brace or nothing in it). The duration is Flink's ({@code 1 h}, {@code 30 min}, {@code 7 d}); the
 * mode defaults to {@code ordered}. Example:
 *
 * <pre>
 * {@code signup: page_view{path=/pricing} > signup_started > signup_completed within 1 d strict}
 * </pre>
 *
 * What a funnel counts is defined in {@code FunnelMatcher} (jobs module). {@link #toString()}
 * writes the definition back in this syntax, and {@link #parse} reads it to an equal definition.
 *
 * @param window how long after a step-1 event the later steps may happen (inclusive)
 */
public record FunnelDefinition(String name, List<Step> steps, Duration window, Mode mode)
        implements Serializable {

    /** How the steps after the first may follow each other. */
    public enum Mode {
        /** Each step is any later event matching it (ClickHouse's {@code windowFunnel}). */
        ORDERED,
        /** Each step must be the user's very next event. */
        STRICT
    }

    /** The most steps a funnel may have (a step set fits an {@code int} bit mask). */
    public static final int MAX_STEPS = 32;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern WITHIN = Pattern.compile("\\s+within\\s+");
    private static final Pattern TOKEN = Pattern.compile("[^\\s{}>,=\"]+");
    private static final Pattern STEP =
            Pattern.compile("\\s*([^\\s{}>,=\"]+)\\s*(?:\\{(.*)\\})?\\s*", Pattern.DOTALL);

    /**
     * One step: an event name, and properties the event must have with exactly these text values.
     */
    public record Step(String eventName, Map<String, String> filters) implements Serializable {
        public Step {
            if (eventName == null || !TOKEN.matcher(eventName).matches()) {
                throw new IllegalArgumentException("bad event name '" + eventName + "'");
            }
            for (Map.Entry<String, String> f : filters.entrySet()) {
                if (!TOKEN.matcher(f.getKey()).matches() || f.getValue().contains("\"")) {
                    throw new IllegalArgumentException(
                            "bad filter '" + f.getKey() + "=" + f.getValue() + "'");
                }
            }
            filters = Collections.unmodifiableMap(new LinkedHashMap<>(filters));
        }

        /**
         * Whether an event named {@code name}, whose property values as text {@code property} gives
         * (null when absent), matches this step.
         */
        public boolean matches(String name, Function<String, String> property) {
            if (!eventName.equals(name)) {
                return false;
            }
            for (Map.Entry<String, String> f : filters.entrySet()) {
                if (!f.getValue().equals(property.apply(f.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            if (filters.isEmpty()) {
                return eventName;
            }
            StringBuilder s = new StringBuilder(eventName).append('{');
            String sep = "";
            for (Map.Entry<String, String> f : filters.entrySet()) {
                String v = f.getValue();
                boolean plain = TOKEN.matcher(v).matches();
                s.append(sep).append(f.getKey()).append('=');
                s.append(plain ? v : '"' + v + '"');
                sep = ", ";
            }
            return s.append('}').toString();
        }
    }

    public FunnelDefinition {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "bad funnel name '" + name + "': a lower-case identifier [a-z][a-z0-9_]*");
        }
        if (steps.size() < 2) {
            throw new IllegalArgumentException(
                    "funnel '" + name + "': a funnel needs at least 2 steps");
        }
        if (steps.size() > MAX_STEPS) {
            throw new IllegalArgumentException(
                    "funnel '" + name + "': at most " + MAX_STEPS + " steps, got " + steps.size());
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(
                    "funnel '" + name + "': the window must be positive, got " + window);
        }
        steps = List.copyOf(steps);
    }

    /** The window in microseconds (event times are in microseconds). */
    public long windowUs() {
        return window.toNanos() / 1000;
    }

    /** Reads one funnel; the message of the exception names the part that is wrong. */
    public static FunnelDefinition parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "funnel '"
                            + text.strip()
                            + "': expected '<name>: <step> > <step> ... within <duration>"
                            + " [ordered|strict]'");
        }
        String name = text.substring(0, colon).strip();
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "bad funnel name '" + name + "': a lower-case identifier [a-z][a-z0-9_]*");
        }
        String rest = text.substring(colon + 1);
        Matcher within = WITHIN.matcher(rest);
        int at = -1;
        int end = -1;
        while (within.find()) { // the last ' within ': a filter value may contain the word
            at = within.start();
            end = within.end();
        }
        if (at < 0) {
            throw new IllegalArgumentException(
                    "funnel '" + name + "': no 'within <duration>' after the steps");
        }
        List<Step> steps = new ArrayList<>();
        for (String part : splitOutsideBraces(name, rest.substring(0, at))) {
            steps.add(step(name, part));
        }
        if (steps.size() < 2) {
            throw new IllegalArgumentException(
                    "funnel '" + name + "': a funnel needs at least 2 steps");
        }
        String tail = rest.substring(end).strip();
        Mode mode = Mode.ORDERED;
        Duration window;
        try {
            window = TimeUtils.parseDuration(tail);
        } catch (RuntimeException whole) {
            int space = tail.lastIndexOf(' ');
            String durationText = space < 0 ? tail : tail.substring(0, space).strip();
            try {
                window = TimeUtils.parseDuration(durationText);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "funnel '" + name + "': bad duration '" + durationText + "' (e.g. 1 h)");
            }
            String modeText = tail.substring(space + 1);
            try {
                mode = Mode.valueOf(modeText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "funnel '"
                                + name
                                + "': unknown mode '"
                                + modeText
                                + "': ordered or strict");
            }
        }
        return new FunnelDefinition(name, steps, window, mode);
    }

    private static List<String> splitOutsideBraces(String funnel, String steps) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < steps.length(); i++) {
            char c = steps.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '{') {
                depth++;
            } else if (!quoted && c == '}') {
                depth--;
            } else if (!quoted && depth == 0 && c == '>') {
                parts.add(steps.substring(from, i));
                from = i + 1;
            }
        }
        if (quoted || depth != 0) {
            throw new IllegalArgumentException(
                    "funnel '"
                            + funnel
                            + "': unbalanced quotes or braces in '"
                            + steps.strip()
                            + "'");
        }
        parts.add(steps.substring(from));
        return parts;
    }

    private static Step step(String funnel, String text) {
        Matcher m = STEP.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "funnel '"
                            + funnel
                            + "': bad step '"
                            + text.strip()
                            + "': expected event_name or event_name{key=value, ...}");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        if (m.group(2) != null) {
            for (String pair : splitFilters(funnel, m.group(2))) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? "" : pair.substring(0, eq).strip();
                String value = eq < 0 ? "" : pair.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                } else if (value.isEmpty() || value.contains("\"")) {
                    value = null;
                }
                if (!TOKEN.matcher(key).matches() || value == null || value.contains("\"")) {
                    throw new IllegalArgumentException(
                            "funnel '"
                                    + funnel
                                    + "': bad filter '"
                                    + pair.strip()
                                    + "' in step '"
                                    + text.strip()
                                    + "': expected key=value or key=\"value\"");
                }
                if (filters.put(key, value) != null) {
                    throw new IllegalArgumentException(
                            "funnel '"
                                    + funnel
                                    + "': two filters on '"
                                    + key
                                    + "' in step '"
                                    + text.strip()
                                    + "'");
                }
            }
        }
        return new Step(m.group(1), filters);
    }

    private static List<String> splitFilters(String funnel, String filters) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < filters.length(); i++) {
            char c = filters.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '{' || c == '}')) {
                throw new IllegalArgumentException(
                        "funnel '" + funnel + "': unquoted brace in filters '" + filters + "'");
            } else if (!quoted && c == ',') {
                parts.add(filters.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(filters.substring(from));
        return parts;
    }

    /** The definition in the syntax {@link #parse} reads. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name).append(": ");
        for (int i = 0; i < steps.size(); i++) {
            s.append(i == 0 ? "" : " > ").append(steps.get(i));
        }
        return s.append(" within ")
                .append(TimeUtils.formatWithHighestUnit(window))
                .append(' ')
                .append(mode.name().toLowerCase(Locale.ROOT))
                .toString();
    }
}
