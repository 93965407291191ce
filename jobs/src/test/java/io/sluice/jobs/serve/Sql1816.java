package io.sluice.jobs.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ClickHouse 18.16 rejects and 23+ accepts, found in a query's text: the constructs the
 * Grafana panels must not use so that one dashboard serves both (ReportQueries follows the same
 * dialect, and DialectIT checks it on the servers).
 */
final class Sql1816 {
    private Sql1816() {}

    private static final List<String> FORBIDDEN =
            List.of(
                    "tostartofinterval", // $__timeInterval, $__timeGroup
                    "datetime64", // $__timeInterval_ms
                    "fromunixtimestamp64", // $__fromTime_ms, $__timeFilter_ms
                    "with fill",
                    " over (",
                    " over(",
                    "lagInFrame".toLowerCase(Locale.ROOT),
                    "$__timeinterval",
                    "$__timegroup",
                    "$__columns",
                    "$__ratecolumns",
                    "$__lttb");

    private static final Pattern CLAUSE =
            Pattern.compile(
                    "\\b(ORDER|GROUP) BY\\s+(.*?)(?=\\bLIMIT\\b|\\bHAVING\\b|\\bORDER BY\\b|\\)|$)",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** The problems of {@code sql}, empty when 18.16 should accept it. */
    static List<String> problems(String sql) {
        List<String> found = new ArrayList<>();
        String lower = sql.toLowerCase(Locale.ROOT);
        for (String f : FORBIDDEN) {
            if (lower.contains(f)) {
                found.add("uses " + f);
            }
        }
        Matcher m = CLAUSE.matcher(sql);
        while (m.find()) {
            for (String item : SqlText.splitTopLevel(m.group(2))) {
                if (item.trim().matches("\\d+(\\s+(ASC|DESC))?")) {
                    found.add("positional " + m.group(1) + " BY " + item.trim());
                }
            }
        }
        return found;
    }
}
