package io.sluice.jobs.analytics.operators;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.PromotedProperty;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * Reads one top-level property of a clean event as text, whether it was promoted to a column or
 * stayed in {@code properties_json}: a JSON string as its characters, a number as written, a
 * boolean as {@code true} / {@code false}; {@code null} when the event has no such key or its value
 * is JSON null, an object or an array. Funnel step filters and feature definitions compare against
 * this text.
 */
@Internal
public final class EventProperties implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<PromotedProperty> promoted;

    public EventProperties(List<PromotedProperty> promoted) {
        this.promoted = List.copyOf(promoted);
    }

    /** The value of property {@code key} of {@code e} as text, or null. */
    public String get(CleanEvent e, String key) {
        int p = promotedIndex(key);
        if (p >= 0) {
            return promotedText(e, p);
        }
        if (e.propertiesJson == null || !e.propertiesJson.contains('"' + key + '"')) {
            return null;
        }
        JsonNode json = parse(e);
        return json == null ? null : text(json.get(key));
    }

    /**
     * The values of {@code keys} of {@code e} as {@link #get} reads them, with the properties JSON
     * parsed once for all of them.
     */
    public String[] getAll(CleanEvent e, String... keys) {
        String[] out = new String[keys.length];
        JsonNode json = null;
        boolean parsed = false;
        for (int k = 0; k < keys.length; k++) {
            int p = promotedIndex(keys[k]);
            if (p >= 0) {
                out[k] = promotedText(e, p);
                continue;
            }
            if (!parsed) {
                parsed = true;
                json = parse(e);
            }
            out[k] = json == null ? null : text(json.get(keys[k]));
        }
        return out;
    }

    private int promotedIndex(String key) {
        for (int i = 0; i < promoted.size(); i++) {
            if (promoted.get(i).key().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private String promotedText(CleanEvent e, int i) {
        String text = e.promoted == null || i >= e.promoted.length ? null : e.promoted[i];
        if (text != null && promoted.get(i).type() == PromotedProperty.Type.BOOL) {
            return text.equals("1") ? "true" : "false";
        }
        return text;
    }

    private static JsonNode parse(CleanEvent e) {
        if (e.propertiesJson == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(e.propertiesJson);
        } catch (java.io.IOException ex) {
            return null; // properties_json is written by EventParser from parsed JSON
        }
    }

    /** A JSON string as its characters, a number or boolean as written; else null. */
    private static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        return v.isTextual() ? v.textValue() : v.toString();
    }
}
