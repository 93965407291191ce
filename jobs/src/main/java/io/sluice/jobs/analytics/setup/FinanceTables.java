package io.sluice.jobs.analytics.setup;

import io.sluice.jobs.analytics.setup.AnalyticsTables.Column;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Table;
import java.util.List;

/**
 * The finance tables in ClickHouse, defined like those of {@link AnalyticsTables}: {@code
 * ReplacingMergeTree(_version)}, read with {@code FINAL}. Money is {@code Decimal(18, 4)}, exact
 * (ClickHouse 18.16 has it too). Definitions: docs/finance.md.
 */
public final class FinanceTables {
    public static final String REVENUE_DAILY = "revenue_daily";
    public static final String MRR_DAILY = "mrr_daily";

    private FinanceTables() {}

    /**
     * Per UTC day and currency: the counted orders placed that day and their amounts ({@code
     * gross}), the refunds made that day ({@code refunds}), and {@code net = gross − refunds}. A
     * day and currency left without a counted order and without a refund is deleted ({@code
     * _is_deleted = 1}, numbers 0), so {@code WHERE _is_deleted = 0} reads exactly the rows the SQL
     * definition has.
     */
    public static final Table REVENUE_DAILY_TABLE =
            new Table(
                    REVENUE_DAILY,
                    List.of(
                            new Column("day", "Date"),
                            new Column("currency", "String"),
                            new Column("orders", "Int64"),
                            new Column("gross", "Decimal(18, 4)"),
                            new Column("refunds", "Decimal(18, 4)"),
                            new Column("net", "Decimal(18, 4)"),
                            new Column("_version", "UInt64"),
                            new Column("_is_deleted", "UInt8")),
                    null,
                    "day, currency",
                    "orders, gross, refunds and net revenue per UTC day and currency");

    /**
     * Per UTC day from the first subscription's start up to the day of the job's event-time clock:
     * the MRR of the subscriptions active that day, the day's movements compared with the day
     * before, per customer (new, expansion, contraction, churned, each a positive amount), and the
     * active subscriptions. A day no longer in that range is deleted ({@code _is_deleted = 1}).
     */
    public static final Table MRR_DAILY_TABLE =
            new Table(
                    MRR_DAILY,
                    List.of(
                            new Column("day", "Date"),
                            new Column("mrr", "Decimal(18, 4)"),
                            new Column("new_mrr", "Decimal(18, 4)"),
                            new Column("expansion_mrr", "Decimal(18, 4)"),
                            new Column("contraction_mrr", "Decimal(18, 4)"),
                            new Column("churned_mrr", "Decimal(18, 4)"),
                            new Column("active_subscriptions", "Int64"),
                            new Column("_version", "UInt64"),
                            new Column("_is_deleted", "UInt8")),
                    null,
                    "day",
                    "MRR, its movements and active subscriptions per UTC day");

    /** Every finance table. */
    public static List<Table> all() {
        return List.of(REVENUE_DAILY_TABLE, MRR_DAILY_TABLE);
    }
}
