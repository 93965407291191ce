package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.FinanceTables;
import java.math.BigDecimal;

/**
 * A row of analytics.revenue_daily: the counted orders of a UTC day in one currency, their gross,
 * the refunds of that day, and net = gross − refunds, keyed by day and currency. Money is held in
 * units of 1/10,000 (the table's {@code Decimal(18, 4)}), never as a double.
 *
 * @param day the UTC day, as days since the epoch
 * @param gross the counted orders' amounts, in units of 1/10,000
 * @param refunds the refunds' amounts, in units of 1/10,000
 * @param deleted the day and currency have no counted order and no refund any more
 */
public record RevenueDailyRow(
        long day,
        String currency,
        long orders,
        long gross,
        long refunds,
        long version,
        boolean deleted)
        implements TableRow {

    /** Decimal places of the money columns: amounts are whole units of 1/10,000. */
    public static final int SCALE = 4;

    static final RowEncoder<RevenueDailyRow> ENCODER =
            RowEncoder.<RevenueDailyRow>forTable(FinanceTables.REVENUE_DAILY_TABLE)
                    .put("day", r -> AnalyticsTables.date(r.day))
                    .put("currency", RevenueDailyRow::currency)
                    .put("orders", r -> Long.toString(r.orders))
                    .put("gross", r -> money(r.gross))
                    .put("refunds", r -> money(r.refunds))
                    .put("net", r -> money(r.net()))
                    .put("_version", r -> Long.toString(r.version))
                    .put("_is_deleted", r -> r.deleted ? "1" : "0")
                    .build();

    /** gross − refunds, in units of 1/10,000. */
    public long net() {
        return Math.subtractExact(gross, refunds);
    }

    /** Units of 1/10,000 as ClickHouse decimal text: {@code 1234500} is {@code 123.4500}. */
    public static String money(long units) {
        return BigDecimal.valueOf(units, SCALE).toPlainString();
    }

    /** The key of the row of {@code currency} on {@code day}. */
    public static String key(long day, String currency) {
        return day + "\u0000" + currency;
    }

    @Override
    public String key() {
        return key(day, currency);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
