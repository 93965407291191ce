package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;

/**
 * A row of analytics.late_events: a change that arrived behind the watermark by more than the
 * repair horizon, or a delete of an event no longer known. Every such change is its own row (keyed
 * by event id, kind and version).
 *
 * @param kind {@code event}, {@code retraction} or {@code unknown-delete}
 * @param watermarkMs the watermark the change was judged against ({@link Long#MIN_VALUE}: none yet,
 *     written as the epoch)
 */
public record LateEventRow(
        String eventId,
        String userId,
        long occurredAtUs,
        String eventName,
        long watermarkMs,
        String kind,
        long version)
        implements TableRow {

    static final RowEncoder<LateEventRow> ENCODER =
            RowEncoder.<LateEventRow>forTable(AnalyticsTables.LATE_EVENTS_TABLE)
                    .put("event_id", LateEventRow::eventId)
                    .put("user_id", LateEventRow::userId)
                    .put("occurred_at", r -> AnalyticsTables.dateTime(r.occurredAtUs))
                    .put("occurred_at_us", r -> Long.toString(r.occurredAtUs))
                    .put("event_name", LateEventRow::eventName)
                    .put(
                            "watermark",
                            r -> AnalyticsTables.dateTimeMillis(Math.max(0, r.watermarkMs)))
                    .put("kind", LateEventRow::kind)
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    @Override
    public String key() {
        return eventId + '\u0000' + kind + '\u0000' + version;
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
