package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;

/**
 * A row of analytics.dead_letters: a source row that is not a usable event, with the reason, keyed
 * by source table and event id. A later correction that makes the row usable deletes it.
 */
public record DeadLetterRow(
        String sourceTable,
        String eventId,
        String reason,
        String rawRow,
        long version,
        boolean deleted)
        implements TableRow {

    static final RowEncoder<DeadLetterRow> ENCODER =
            RowEncoder.<DeadLetterRow>forTable(AnalyticsTables.DEAD_LETTERS_TABLE)
                    .put("source_table", DeadLetterRow::sourceTable)
                    .put("event_id", DeadLetterRow::eventId)
                    .put("reason", DeadLetterRow::reason)
                    .put("raw_row", DeadLetterRow::rawRow)
                    .put("_version", r -> Long.toString(r.version))
                    .put("_is_deleted", r -> r.deleted ? "1" : "0")
                    .build();

    @Override
    public String key() {
        return sourceTable + '\u0000' + eventId;
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
