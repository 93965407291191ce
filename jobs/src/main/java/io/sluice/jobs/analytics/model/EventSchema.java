package io.sluice.jobs.analytics.model;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Where the source contract's fields are in the user's events table (column names are
 * configurable), and how to read them from a change record whatever their Postgres types.
 */
public final class EventSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    final TableId table;
    public final String eventId;
    public final String userId;
    public final String occurredAt;
    public final String eventName;
    public final String properties;
    public final List<PromotedProperty> promoted;

    public EventSchema(
            TableId table,
            String eventId,
            String userId,
            String occurredAt,
            String eventName,
            String properties,
            List<PromotedProperty> promoted) {
        this.table = table;
        this.eventId = eventId;
        this.userId = userId;
        this.occurredAt = occurredAt;
        this.eventName = eventName;
        this.properties = properties;
        this.promoted = List.copyOf(promoted);
    }

    public static EventSchema fromConfig(SluiceConfig config) {
        return new EventSchema(
                TableId.parse(config.get(AnalyticsOptions.EVENTS_TABLE)),
                config.get(AnalyticsOptions.COLUMN_EVENT_ID),
                config.get(AnalyticsOptions.COLUMN_USER_ID),
                config.get(AnalyticsOptions.COLUMN_OCCURRED_AT),
                config.get(AnalyticsOptions.COLUMN_EVENT_NAME),
                config.get(AnalyticsOptions.COLUMN_PROPERTIES),
                PromotedProperty.parse(config.get(AnalyticsOptions.PROMOTED_PROPERTIES)));
    }

    public TableId table() {
        return table;
    }

    public List<PromotedProperty> promoted() {
        return promoted;
    }

    public boolean isEvent(ChangeRecord change) {
        return change.table().equals(table);
    }

    /** The event id as text (present in every change, deletes included: it is the key). */
    public String eventId(ChangeRecord change) {
        Object v = change.values().get(eventId);
        return v == null ? "" : v.toString();
    }

    /** The event time in epoch microseconds, or {@code null} when absent. */
    public Long occurredAtMicros(ChangeRecord change) {
        return micros(change.values().get(occurredAt));
    }

    static Long micros(Object v) {
        if (v instanceof Instant i) {
            return ChronoUnit.MICROS.between(Instant.EPOCH, i);
        }
        if (v instanceof LocalDateTime t) {
            return ChronoUnit.MICROS.between(Instant.EPOCH, t.toInstant(ZoneOffset.UTC));
        }
        if (v instanceof Number n) {
            return n.longValue() * 1000;
        }
        return null;
    }
}
