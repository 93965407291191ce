package io.sluice.jobs.analytics.operators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Turns an events-table row into a {@link CleanEvent}, or says in words why it cannot be used.
 * Pure: the same row (and clock) always gives the same answer.
 */
public final class EventParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private final EventSchema schema;
    private final long maxFutureSkewMs;

    public EventParser(EventSchema schema, long maxFutureSkewMs) {
        this.schema = schema;
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    /** The outcome: an event, or the reason the row is a dead letter. */
    public record Result(CleanEvent event, String reason) {
        static Result bad(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * @param previous the event's current version, used for a TOASTed properties value the change
     *     did not resend; may be null
     * @param nowMs "now" for the future-skew check: the change's commit time (never the wall clock
     *     at processing time, so a replay decides the same)
     */
    public Result parse(ChangeRecord change, CleanEvent previous, long nowMs) {
        Map<String, Object> v = change.values();
        CleanEvent e = new CleanEvent();
        e.eventId = schema.eventId(change);
        if (e.eventId.isEmpty()) {
            return Result.bad(schema.eventId + " is NULL");
        }
        Object user = v.get(schema.userId);
        if (user == null || user.toString().isEmpty()) {
            return Result.bad(schema.userId + " is NULL or empty");
        }
        e.userId = user.toString();
        Long at = schema.occurredAtMicros(change);
        if (at == null) {
            return Result.bad(schema.occurredAt + " is NULL");
        }
        if (Math.floorDiv(at, 1000L) > nowMs + maxFutureSkewMs) {
            return Result.bad(
                    schema.occurredAt
                            + " "
                            + AnalyticsTables.dateTime(at)
                            + " is more than "
                            + maxFutureSkewMs / 1000
                            + " s after its commit (analytics.max-future-skew)");
        }
        e.occurredAtUs = at;
        Object name = v.get(schema.eventName);
        if (name == null || name.toString().isEmpty()) {
            return Result.bad(schema.eventName + " is NULL or empty");
        }
        e.eventName = name.toString();
        e.promoted = new String[schema.promoted.size()];
        if (change.unchangedColumns().contains(schema.properties)) {
            if (previous == null) {
                return Result.bad(
                        schema.properties
                                + " was not resent (unchanged TOAST value) and no earlier version"
                                + " of the event is known");
            }
            e.propertiesJson = previous.propertiesJson;
            e.promoted = previous.promoted.clone();
            return new Result(e, null);
        }
        return properties(v.get(schema.properties), e);
    }

    private Result properties(Object raw, CleanEvent e) {
        if (raw == null) {
            e.propertiesJson = "{}";
            return new Result(e, null);
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(raw.toString());
        } catch (JsonProcessingException ex) {
            return Result.bad(schema.properties + " is not valid JSON: " + ex.getOriginalMessage());
        }
        if (node == null || node.isNull() || node.isMissingNode()) {
            e.propertiesJson = "{}";
            return new Result(e, null);
        }
        if (!node.isObject()) {
            return Result.bad(
                    schema.properties
                            + " is a JSON "
                            + node.getNodeType().toString().toLowerCase()
                            + ", not an object");
        }
        ObjectNode object = (ObjectNode) node;
        for (int i = 0; i < schema.promoted.size(); i++) {
            PromotedProperty p = schema.promoted.get(i);
            JsonNode value = object.remove(p.key());
            if (value == null || value.isNull()) {
                continue;
            }
            String text = typed(p, value);
            if (text == null) {
                return Result.bad(
                        "property "
                                + p.key()
                                + " is "
                                + value
                                + ", not a "
                                + p.type().clickHouseType
                                + " (analytics.promoted-properties)");
            }
            e.promoted[i] = text;
        }
        e.propertiesJson = object.toString();
        return new Result(e, null);
    }

    private static String typed(PromotedProperty p, JsonNode value) {
        switch (p.type()) {
            case STRING:
                return value.isTextual() ? value.textValue() : null;
            case INT64:
                if (!value.isNumber()) {
                    return null;
                }
                try {
                    return Long.toString(value.decimalValue().longValueExact());
                } catch (ArithmeticException notIntegral) {
                    return null;
                }
            case FLOAT64:
                return value.isNumber() ? Double.toString(value.doubleValue()) : null;
            case BOOL:
                return value.isBoolean() ? (value.booleanValue() ? "1" : "0") : null;
            default:
                return null;
        }
    }

    /** The row as a JSON object of its columns' text, for the dead-letter table. */
    public static String rawRow(ChangeRecord change) {
        ObjectNode row = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, Object> c : change.values().entrySet()) {
            Object value = c.getValue();
            if (value == null) {
                row.putNull(c.getKey());
            } else if (change.unchangedColumns().contains(c.getKey())) {
                row.put(c.getKey(), "(unchanged TOAST value)");
            } else if (value instanceof BigDecimal d) {
                row.put(c.getKey(), d);
            } else {
                row.put(c.getKey(), value.toString());
            }
        }
        return row.toString();
    }
}
