package io.sluice.common.config;

import java.util.List;

/**
 * One {@code pii.columns} entry: a whole column ({@code public.users.email}), or the values at a
 * path inside a JSON column ({@code public.users.attributes.$.contact.email}; {@code *} matches any
 * key or array element). Every reader of the option parses it here.
 */
public record PiiColumn(TableId table, String column, List<String> path) {
    /** The entry, as {@link PiiOptions#COLUMNS}' check lets it through. */
    public static PiiColumn parse(String entry) {
        int at = entry.indexOf(".$.");
        String qualified = at < 0 ? entry : entry.substring(0, at);
        int dot = qualified.lastIndexOf('.');
        TableId table = TableId.parse(qualified.substring(0, dot));
        if (table == null) {
            throw new IllegalArgumentException("not schema.table.column: " + entry);
        }
        List<String> path = at < 0 ? List.of() : List.of(entry.substring(at + 3).split("\\."));
        return new PiiColumn(table, qualified.substring(dot + 1), path);
    }

    /** Every entry of the option. */
    public static List<PiiColumn> all(SluiceConfig config) {
        return config.get(PiiOptions.COLUMNS).stream().map(PiiColumn::parse).toList();
    }

    /** Whether the whole column is hashed (no JSON path). */
    public boolean whole() {
        return path.isEmpty();
    }
}
