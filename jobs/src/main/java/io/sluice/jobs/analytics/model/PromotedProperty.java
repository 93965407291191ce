package io.sluice.jobs.analytics.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** A property key promoted to a typed column {@code prop_<key>} of analytics.events. */
public record PromotedProperty(String key, Type type) implements Serializable {

    /** The types a promoted property can have. */
    public enum Type {
        STRING("String"),
        INT64("Int64"),
        FLOAT64("Float64"),
        BOOL("UInt8");

        public final String clickHouseType;

        Type(String clickHouseType) {
            this.clickHouseType = clickHouseType;
        }
    }

    public String column() {
        return "prop_" + key;
    }

    /** Parses {@code key:Type} entries (already validated by the config loader). */
    public static List<PromotedProperty> parse(List<String> entries) {
        List<PromotedProperty> out = new ArrayList<>();
        for (String e : entries) {
            int colon = e.indexOf(':');
            String type = e.substring(colon + 1);
            out.add(
                    new PromotedProperty(
                            e.substring(0, colon),
                            switch (type) {
                                case "String" -> Type.STRING;
                                case "Int64" -> Type.INT64;
                                case "Float64" -> Type.FLOAT64;
                                case "Bool" -> Type.BOOL;
                                default ->
                                        throw new IllegalArgumentException(
                                                "unknown promoted property type " + type);
                            }));
        }
        return out;
    }
}
