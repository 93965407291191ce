package io.sluice.common.clickhouse;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;
import static io.sluice.common.clickhouse.ClickHouseSql.qualified;

import io.sluice.common.change.ChangeJson;
import io.sluice.common.change.ChangeRecord;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mirror's dead letters: changes that cannot be written to their ClickHouse table, each with
 * its reason, in table {@value #TABLE} of the mirror's database. A change lands here when Sluice
 * cannot put one of its values into the ClickHouse column's type (a timestamp outside the range the
 * column holds, {@code NaN} in a {@code Decimal}, a value of a type the column was not made for),
 * or when ClickHouse refuses its row for good. The rest of the batch, and every other table, is
 * written as usual, so one table's bad row never stops the job while the slot holds WAL.
 *
 * <p>Rows are keyed by source table, primary key and WAL position ({@code _lsn}, the change's
 * version): a replay after a restore writes the same dead letter again, and {@code FINAL} shows it
 * once. {@code raw_row} is the change as JSON, after PII hashing (the sink only sees masked
 * changes); {@code written_at} is the server's time of the insert, for people, not for verdicts.
 */
public final class MirrorDeadLetters {
    /** The table's name in the mirror's database; a captured table may not map to it. */
    public static final String TABLE = "_sluice_dead_letters";

    static final List<String> COLUMNS =
            List.of("source_table", "row_key", "_lsn", "op", "reason", "raw_row");

    /**
     * Server error codes that are not one row's problem: the table, a column, the statement, the
     * database or the credentials. A batch failing with one of them fails the job, as before:
     * writing every row as a dead letter would hide an operator's mistake.
     */
    // 291: 18.16's "Access denied to database" (497 is the newer servers' access denial).
    private static final Set<Integer> NOT_A_ROW =
            Set.of(16, 47, 60, 62, 81, 192, 193, 291, 497, 516);

    private MirrorDeadLetters() {}

    /** The dead-letter table, created when absent (idempotent). */
    public static String createTable(String database) {
        return "CREATE TABLE IF NOT EXISTS "
                + qualified(database, TABLE)
                + " (\n    source_table String,\n    row_key String,\n    "
                + identifier("_lsn")
                + " UInt64,\n    op String,\n    reason String,\n    raw_row String,\n"
                + "    written_at DateTime DEFAULT now()\n) ENGINE = ReplacingMergeTree()\n"
                + "ORDER BY (source_table, row_key, _lsn)";
    }

    /**
     * Whether ClickHouse refused the rows of an insert for good because of what they hold (a value
     * that does not parse, is out of range, or too large), so that the rows can be tried apart and
     * the ones it refuses alone become dead letters. Transient failures are retried before, and a
     * failure without a server code (no answer) is not a row's problem.
     */
    static boolean isRowError(ClickHouseException e) {
        return !e.retryable() && e.code() != 0 && !NOT_A_ROW.contains(e.code());
    }

    /** One change that was not written, with why. */
    record Letter(ChangeRecord change, String rowKey, String reason) {}

    /** The letters as TabSeparated rows in {@link #COLUMNS} order. */
    static byte[] encode(List<Letter> letters) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Letter l : letters) {
            TsvCodec.escape(l.change().table().toString(), out);
            out.write('\t');
            TsvCodec.escape(l.rowKey(), out);
            out.write('\t');
            ColumnEncoder.ascii(Long.toUnsignedString(l.change().lsn()), out);
            out.write('\t');
            ColumnEncoder.ascii(l.change().op().name().toLowerCase(java.util.Locale.ROOT), out);
            out.write('\t');
            TsvCodec.escape(l.reason(), out);
            out.write('\t');
            TsvCodec.escape(json(l.change()), out);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The change's values as JSON (TOASTed values it did not carry are left out). */
    static String json(ChangeRecord r) {
        if (r.unchangedColumns().isEmpty()) {
            return ChangeJson.of(r.values());
        }
        Map<String, Object> carried = new LinkedHashMap<>(r.values());
        carried.keySet().removeAll(r.unchangedColumns());
        return ChangeJson.of(carried);
    }
}
