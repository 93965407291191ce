package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.FunnelTables;
import java.math.BigDecimal;

/**
 * A row of analytics.funnel_daily, keyed by {@code funnel|yyyy-mm-dd|step}.
 *
 * @param day the UTC day the attempts started, as days since the epoch
 * @param step the step, from 1
 * @param medianMicrosToStep the lower median of the users' microseconds from step 1 to this step,
 *     written as seconds (exact decimal text)
 */
public record FunnelDailyRow(
        String funnel, long day, long step, long users, long medianMicrosToStep, long version)
        implements TableRow {

    static final RowEncoder<FunnelDailyRow> ENCODER =
            RowEncoder.<FunnelDailyRow>forTable(FunnelTables.FUNNEL_DAILY_TABLE)
                    .put("funnel", FunnelDailyRow::funnel)
                    .put("day", r -> AnalyticsTables.date(r.day))
                    .put("step", r -> Long.toString(r.step))
                    .put("users", r -> Long.toString(r.users))
                    .put("median_seconds_to_step", r -> seconds(r.medianMicrosToStep))
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    /** Microseconds as seconds in plain decimal text ({@code 90.5}, never {@code 9.05E1}). */
    static String seconds(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    /** The row key of a funnel's step on a day: {@code funnel|yyyy-mm-dd|step}. */
    public static String key(String funnel, long day, long step) {
        return funnel + "|" + AnalyticsTables.date(day) + "|" + step;
    }

    @Override
    public String key() {
        return key(funnel, day, step);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
