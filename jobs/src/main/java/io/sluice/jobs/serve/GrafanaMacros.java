package io.sluice.jobs.serve;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a panel's stored SQL into the SQL ClickHouse receives from Grafana, so the panels can be
 * run without Grafana (by {@code GrafanaPanelCheck} in the tests, and by the demo's HTML page).
 *
 * <p>Two steps, in Grafana's order. First the dashboard's template variables, as Grafana's frontend
 * replaces them before the query leaves the browser: {@code $var}, {@code ${var}} and {@code
 * [[var]]}, plus the global {@code $__from}, {@code $__to} (epoch ms), {@code $__interval_ms} and
 * {@code $__interval}; an unknown name stays as written. Then the macros of the
 * grafana-clickhouse-datasource plugin, as its backend expands them ({@code pkg/macros/ macros.go}
 * of grafana/clickhouse-datasource, on top of the SDK's {@code sqlutil} defaults):
 *
 * <pre>
 * $__timeFilter(c)        c &gt;= toDateTime(FROM_S) AND c &lt;= toDateTime(TO_S)
 * $__timeFilter_ms(c)     c &gt;= fromUnixTimestamp64Milli(FROM_MS) AND c &lt;= fromUnixTimestamp64Milli(TO_MS)
 * $__dateFilter(c)        c &gt;= toDate('FROM_DAY') AND c &lt;= toDate('TO_DAY')
 * $__dateTimeFilter(d, t) (d &gt;= toDate(..) AND d &lt;= toDate(..)) AND (t &gt;= toDateTime(..) AND t &lt;= toDateTime(..)); also $__dt
 * $__timeFrom(c)          c &gt;= toDateTime(FROM_S)          $__timeTo(c)  c &lt;= toDateTime(TO_S)
 * $__fromTime, $__toTime  toDateTime(S)                      $__fromTime_ms, $__toTime_ms  fromUnixTimestamp64Milli(MS)
 * $__timeInterval(c)      toStartOfInterval(toDateTime(c), INTERVAL N second)
 * $__timeInterval_ms(c)   toStartOfInterval(toDateTime64(c, 3), INTERVAL N millisecond)
 * $__timeGroup(c, 5m)     toStartOfInterval(toDateTime(c), INTERVAL 300 second)
 * $__interval_s           N (the interval in whole seconds, at least 1)
 * </pre>
 *
 * Macros nest, innermost first; arguments split at top-level commas and are trimmed; text in string
 * literals ({@code '..'} with {@code \'} and {@code ''} escapes, {@code `..`}, {@code
 * $tag$..$tag$}) and comments is left alone; an unknown macro stays as written. Not supported: the
 * statement macros ({@code $__columns}, {@code $__rateColumns}, ...), which need window functions
 * that ClickHouse 18.16 lacks. {@code $__timeInterval}, {@code $__timeInterval_ms} and {@code
 * $__timeGroup} produce {@code toStartOfInterval}, and every {@code _ms} macro a {@code
 * DateTime64}, both of which 18.16 rejects: Sluice's panels use none of them.
 */
public final class GrafanaMacros {
    private static final Pattern NAME = Pattern.compile("\\$__([A-Za-z0-9_]+)");
    private static final Pattern VARIABLE =
            Pattern.compile("\\$(\\w+)|\\[\\[(\\w+)]]|\\$\\{(\\w+)}");
    private static final Pattern GO_DURATION =
            Pattern.compile("(\\d+(?:\\.\\d*)?)(ns|us|µs|ms|s|m|h)");
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final Instant from;
    private final Instant to;
    private final Duration interval;

    private GrafanaMacros(Instant from, Instant to, Duration interval) {
        this.from = from;
        this.to = to;
        this.interval = interval;
    }

    /**
     * The SQL Grafana sends for {@code sql} over [from, to] at a panel interval of {@code
     * intervalSeconds}, with the dashboard's {@code variables} (name without {@code $}).
     */
    public static String expand(
            String sql,
            Instant from,
            Instant to,
            long intervalSeconds,
            Map<String, String> variables) {
        return expand(sql, from, to, Duration.ofSeconds(intervalSeconds), variables);
    }

    /** As {@link #expand(String, Instant, Instant, long, Map)}, with the interval as a duration. */
    public static String expand(
            String sql,
            Instant from,
            Instant to,
            Duration interval,
            Map<String, String> variables) {
        String withVariables = variables(sql, from, to, interval, variables);
        return new GrafanaMacros(from, to, interval).macros(withVariables);
    }

    /** Replaces template variables as Grafana's frontend does; unknown names stay as written. */
    static String variables(
            String sql, Instant from, Instant to, Duration interval, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name =
                    m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = values.get(name);
            if (value == null) {
                value =
                        switch (name) {
                            case "__from" -> Long.toString(from.toEpochMilli());
                            case "__to" -> Long.toString(to.toEpochMilli());
                            case "__interval_ms" -> Long.toString(interval.toMillis());
                            case "__interval" -> intervalText(interval);
                            default -> m.group();
                        };
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Grafana's text for an interval: its largest whole unit (90 s is "1m"). */
    static String intervalText(Duration interval) {
        long ms = interval.toMillis();
        long[] sizes = {365L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};
        String[] units = {"y", "d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                return ms / sizes[i] + units[i];
            }
        }
        return "0ms";
    }

    private String macros(String sql) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            int skip = SqlText.skipQuotedOrComment(sql, i);
            if (skip > i) {
                out.append(sql, i, skip);
                i = skip;
                continue;
            }
            Matcher m = NAME.matcher(sql).region(i, sql.length());
            if (sql.charAt(i) != '$' || !m.lookingAt()) {
                out.append(sql.charAt(i++));
                continue;
            }
            String name = m.group(1);
            int end = m.end();
            List<String> args = new ArrayList<>();
            if (end < sql.length() && sql.charAt(end) == '(') {
                int close = SqlText.closingParenthesis(sql, end);
                if (close < 0) {
                    out.append(sql, i, end);
                    i = end;
                    continue;
                }
                for (String a : SqlText.splitTopLevel(sql.substring(end + 1, close))) {
                    args.add(macros(a).trim());
                }
                end = close + 1;
            }
            String expanded = macro(name, args);
            out.append(expanded == null ? sql.substring(i, end) : expanded);
            i = end;
        }
        return out.toString();
    }

    /** One macro with its expanded arguments, or null when it is not the plugin's. */
    private String macro(String name, List<String> args) {
        String f = "toDateTime(" + from.getEpochSecond() + ")";
        String t = "toDateTime(" + to.getEpochSecond() + ")";
        String fMs = "fromUnixTimestamp64Milli(" + from.toEpochMilli() + ")";
        String tMs = "fromUnixTimestamp64Milli(" + to.toEpochMilli() + ")";
        String fDay = "toDate('" + DAY.format(from) + "')";
        String tDay = "toDate('" + DAY.format(to) + "')";
        long seconds = Math.max(interval.toMillis() / 1000, 1);
        long ms = Math.max(interval.toMillis(), 1);
        return switch (name) {
            case "timeFilter" -> range(name, args, f, t);
            case "timeFilter_ms" -> range(name, args, fMs, tMs);
            case "dateFilter" -> range(name, args, fDay, tDay);
            case "dateTimeFilter", "dt" -> {
                arity(name, args, 2);
                yield "("
                        + range(name, args.subList(0, 1), fDay, tDay)
                        + ") AND ("
                        + range(name, args.subList(1, 2), f, t)
                        + ")";
            }
            case "timeFrom" -> arity(name, args, 1).get(0) + " >= " + f;
            case "timeTo" -> arity(name, args, 1).get(0) + " <= " + t;
            case "fromTime" -> f;
            case "toTime" -> t;
            case "fromTime_ms" -> fMs;
            case "toTime_ms" -> tMs;
            case "interval_s" -> Long.toString(seconds);
            case "timeInterval" ->
                    "toStartOfInterval(toDateTime("
                            + arity(name, args, 1).get(0)
                            + "), INTERVAL "
                            + seconds
                            + " second)";
            case "timeInterval_ms" ->
                    "toStartOfInterval(toDateTime64("
                            + arity(name, args, 1).get(0)
                            + ", 3), INTERVAL "
                            + ms
                            + " millisecond)";
            case "timeGroup" ->
                    "toStartOfInterval(toDateTime("
                            + arity(name, args, 2).get(0)
                            + "), INTERVAL "
                            + goDurationSeconds(args.get(1))
                            + " second)";
            default -> null;
        };
    }

    private static String range(String name, List<String> args, String low, String high) {
        String c = arity(name, args, 1).get(0);
        return c + " >= " + low + " AND " + c + " <= " + high;
    }

    private static List<String> arity(String name, List<String> args, int n) {
        if (args.size() != n) {
            throw new IllegalArgumentException(
                    "$__" + name + " expected " + n + " argument(s), received " + args.size());
        }
        return args;
    }

    /** Go's time.ParseDuration, rounded to seconds, as $__timeGroup reads its period. */
    static long goDurationSeconds(String text) {
        String s = text.trim().replaceAll("^['\"]|['\"]$", "");
        Matcher m = GO_DURATION.matcher(s);
        double total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            total +=
                    switch (m.group(2)) {
                        case "ns" -> v / 1e9;
                        case "us", "µs" -> v / 1e6;
                        case "ms" -> v / 1e3;
                        case "s" -> v;
                        case "m" -> v * 60;
                        default -> v * 3600;
                    };
            at = m.end();
        }
        long seconds = Math.round(total);
        if (s.isEmpty() || at != s.length() || seconds <= 0) {
            throw new IllegalArgumentException("$__timeGroup: invalid interval \"" + s + "\"");
        }
        return seconds;
    }
}
