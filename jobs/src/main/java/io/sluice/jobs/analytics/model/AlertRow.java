package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.OperationalTables;

/**
 * A row of analytics.alerts: one transition of a rule for a key at event time {@code sinceMs},
 * keyed by rule, key and time.
 *
 * @param firing true when the rule's condition starts holding, false when it stops (resolved)
 * @param deleted a transition a correction took back
 */
public record AlertRow(
        String rule,
        String alertKey,
        long sinceMs,
        boolean firing,
        double value,
        double threshold,
        long version,
        boolean deleted)
        implements TableRow {

    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    static final RowEncoder<AlertRow> ENCODER =
            RowEncoder.<AlertRow>forTable(OperationalTables.ALERTS_TABLE)
                    .put("rule", AlertRow::rule)
                    .put("key", AlertRow::alertKey)
                    .put("since", r -> AnalyticsTables.dateTimeMillis(r.sinceMs))
                    .put("state", r -> r.firing ? FIRING : RESOLVED)
                    .put("value", r -> Double.toString(r.value))
                    .put("threshold", r -> Double.toString(r.threshold))
                    .put("_version", r -> Long.toString(r.version))
                    .put("_is_deleted", r -> r.deleted ? "1" : "0")
                    .build();

    @Override
    public String key() {
        return rule + "\u0000" + alertKey + "\u0000" + sinceMs;
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
