package io.sluice.jobs.pii;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PiiColumn;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.analytics.operators.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Hashes personal data as the change leaves the source, before the mirror, the analytics operators
 * or any sink see it: the configured columns ({@code pii.columns}), values at a JSON path inside a
 * column ({@code pii.columns: [public.users.attributes.$.contact.email]}), the configured keys of
 * the events properties at any depth and in any case ({@code pii.property-keys}), and with {@code
 * pii.detect-emails} every e-mail address in any text value of any captured table. A properties
 * value that is not a JSON object has every e-mail address in its text hashed instead, so a
 * malformed row cannot carry one to the dead-letter table.
 *
 * <p>Every job that writes anywhere puts {@link #apply} right behind its source: the mirror, the
 * analytics job (mirror, archive and analytics downstream of it) and the backfill.
 */
public final class PiiMasker extends ProcessFunction<ChangeRecord, ChangeRecord> {
    private static final long serialVersionUID = 1L;

    /** The raw values of what was hashed, for {@link PiiVault} ({@code pii.raw-database}). */
    static final OutputTag<ChangeRecord> RAW = new OutputTag<>("raw-pii") {};

    private final PiiHasher hasher;
    private final HashMap<TableId, Set<String>> columns = new HashMap<>();

    /** {@code pii.columns} entries with a JSON path: table → column → paths (their keys). */
    private final HashMap<TableId, Map<String, List<List<String>>>> paths = new HashMap<>();

    private final TableId eventsTable;
    private final String propertiesColumn;

    /** {@code pii.property-keys}, lower case. */
    private final Set<String> propertyKeys;

    private final boolean detectEmails;

    /** Whether the raw values go to {@link PiiVault}. */
    private final boolean vault;

    /** hash → {raw value, source column} of the change being masked; null without a vault. */
    private transient Map<String, String[]> witnessed;

    /** The column being masked, {@code schema.table.column}. */
    private transient String source;

    public PiiMasker(SluiceConfig config, PiiHasher hasher) {
        this.hasher = hasher;
        for (PiiColumn c : PiiColumn.all(config)) {
            if (c.whole()) {
                columns.computeIfAbsent(c.table(), t -> new HashSet<>()).add(c.column());
            } else {
                paths.computeIfAbsent(c.table(), t -> new HashMap<>())
                        .computeIfAbsent(c.column(), n -> new ArrayList<>())
                        .add(c.path());
            }
        }
        this.eventsTable = TableId.parse(config.get(AnalyticsOptions.EVENTS_TABLE));
        this.propertiesColumn = config.get(AnalyticsOptions.COLUMN_PROPERTIES);
        this.propertyKeys = new HashSet<>();
        for (String key : config.get(PiiOptions.PROPERTY_KEYS)) {
            propertyKeys.add(key.toLowerCase(Locale.ROOT));
        }
        this.detectEmails = config.get(PiiOptions.DETECT_EMAILS);
        this.vault = PiiVault.database(config) != null;
    }

    @Override
    public void open(OpenContext context) {
        if (vault) {
            witnessed = new LinkedHashMap<>();
            hasher.witness(
                    (value, hash) -> witnessed.putIfAbsent(hash, new String[] {value, source}));
        }
    }

    /**
     * The changes with PII hashed, chained to the source ({@code hasher == null}: no PII field is
     * configured, and the stream passes unchanged). The uid stays {@code hash-pii} in every job.
     */
    public static DataStream<ChangeRecord> apply(
            DataStream<ChangeRecord> changes, SluiceConfig config, PiiHasher hasher) {
        if (hasher == null) {
            return changes;
        }
        SingleOutputStreamOperator<ChangeRecord> masked =
                changes.process(new PiiMasker(config, hasher))
                        .name("hash-pii")
                        .uid("hash-pii")
                        .setParallelism(config.get(JobOptions.PARALLELISM));
        if (PiiVault.database(config) != null) {
            PiiVault.prepare(config);
            PiiVault.sink(masked.getSideOutput(RAW), config);
        }
        return masked;
    }

    @Override
    public void processElement(ChangeRecord change, Context context, Collector<ChangeRecord> out) {
        out.collect(mask(change));
        if (witnessed != null && !witnessed.isEmpty()) {
            for (Map.Entry<String, String[]> e : witnessed.entrySet()) {
                context.output(
                        RAW, PiiVault.record(e.getKey(), e.getValue()[0], e.getValue()[1], change));
            }
            witnessed.clear();
        }
    }

    /** The change with its PII hashed (the raw values hashed are witnessed for the vault). */
    public ChangeRecord mask(ChangeRecord change) {
        Set<String> hashed = columns.getOrDefault(change.table(), Set.of());
        Map<String, List<List<String>>> jsonPaths = paths.getOrDefault(change.table(), Map.of());
        boolean properties =
                !propertyKeys.isEmpty()
                        && change.table().equals(eventsTable)
                        && change.values().get(propertiesColumn) != null
                        && !change.unchangedColumns().contains(propertiesColumn);
        if (hashed.isEmpty() && jsonPaths.isEmpty() && !properties && !detectEmails) {
            return change;
        }
        Map<String, Object> values = new LinkedHashMap<>(change.values());
        for (String column : hashed) {
            source = change.table() + "." + column;
            Object v = values.get(column);
            if (v != null && !change.unchangedColumns().contains(column)) {
                values.put(column, hasher.hash(v.toString()));
            }
        }
        for (Map.Entry<String, List<List<String>>> e : jsonPaths.entrySet()) {
            source = change.table() + "." + e.getKey();
            Object v = values.get(e.getKey());
            if (v != null
                    && !hashed.contains(e.getKey())
                    && !change.unchangedColumns().contains(e.getKey())) {
                values.put(e.getKey(), maskPaths(v.toString(), e.getValue()));
            }
        }
        if (properties) {
            source = change.table() + "." + propertiesColumn;
            values.put(propertiesColumn, maskProperties(values.get(propertiesColumn).toString()));
        }
        if (detectEmails) {
            for (Map.Entry<String, Object> e : values.entrySet()) {
                if (!change.unchangedColumns().contains(e.getKey())) {
                    source = change.table() + "." + e.getKey();
                    e.setValue(hashEmails(e.getValue()));
                }
            }
        }
        // Everything but the hashed values stays: the commit time (clean-and-dedupe judges future
        // skew against it, never against the wall clock) and the snapshot catch-up flag included.
        return change.withValues(values);
    }

    String maskProperties(String json) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException notJson) {
            return hasher.hashEmailsIn(json);
        }
        if (!(node instanceof ObjectNode object)) {
            return hasher.hashEmailsIn(json);
        }
        return maskKeys(object) ? object.toString() : json;
    }

    /**
     * The JSON text with the value at each path hashed (as {@link #maskKeys} hashes a key's value:
     * text as itself, anything else as its JSON). A path's keys match exactly; {@code *} matches
     * every key and element, and an array met where a key is expected is walked element by element.
     * A value that is not JSON is hashed whole: what it holds cannot be told apart.
     */
    String maskPaths(String json, List<List<String>> keyPaths) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException notJson) {
            return hasher.hash(json);
        }
        if (node == null || !node.isContainerNode()) {
            return node != null && node.isNull() ? json : hasher.hash(json);
        }
        boolean changed = false;
        for (List<String> keys : keyPaths) {
            changed |= maskPath(node, keys, 0);
        }
        return changed ? node.toString() : json;
    }

    private boolean maskPath(JsonNode node, List<String> keys, int at) {
        boolean changed = false;
        if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode item = array.get(i);
                if (at == keys.size() - 1 && keys.get(at).equals("*")) {
                    if (!item.isNull()) {
                        array.set(
                                i,
                                hasher.hash(item.isTextual() ? item.textValue() : item.toString()));
                        changed = true;
                    }
                } else if (keys.get(at).equals("*")) {
                    changed |= maskPath(item, keys, at + 1);
                } else {
                    changed |= maskPath(item, keys, at);
                }
            }
        } else if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (!keys.get(at).equals("*") && !keys.get(at).equals(name)) {
                    continue;
                }
                JsonNode value = object.get(name);
                if (at == keys.size() - 1) {
                    if (!value.isNull()) {
                        object.put(
                                name,
                                hasher.hash(
                                        value.isTextual() ? value.textValue() : value.toString()));
                        changed = true;
                    }
                } else {
                    changed |= maskPath(value, keys, at + 1);
                }
            }
        }
        return changed;
    }

    /** Hashes the values of the configured keys in {@code node} and below; whether any was. */
    private boolean maskKeys(JsonNode node) {
        boolean changed = false;
        if (node instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            object.fields().forEachRemaining(fields::add);
            for (Map.Entry<String, JsonNode> field : fields) {
                JsonNode value = field.getValue();
                if (propertyKeys.contains(field.getKey().toLowerCase(Locale.ROOT))) {
                    if (!value.isNull()) {
                        object.put(
                                field.getKey(),
                                hasher.hash(
                                        value.isTextual() ? value.textValue() : value.toString()));
                        changed = true;
                    }
                } else {
                    changed |= maskKeys(value);
                }
            }
        } else if (node != null && node.isArray()) {
            for (JsonNode item : node) {
                changed |= maskKeys(item);
            }
        }
        return changed;
    }

    /** {@code value} with every e-mail address in its text (or its list's texts) hashed. */
    private Object hashEmails(Object value) {
        if (value instanceof String text) {
            return hasher.hashEmailsIn(text);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(hashEmails(item));
            }
            return out;
        }
        return value;
    }
}
