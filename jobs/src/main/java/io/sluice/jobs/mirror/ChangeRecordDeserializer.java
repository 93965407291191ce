package io.sluice.jobs.mirror;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecordTypeInfoFactory;
import io.sluice.common.config.TableId;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium's Postgres change events into {@link ChangeRecord}s in Sluice's value model, using
 * each field's Connect schema (and logical type name) to pick the Java type. A TOASTed column the
 * change did not touch arrives as Debezium's placeholder; it is reported in {@link
 * ChangeRecord#unchangedColumns()} instead of as a value. Columns are named as the Postgres catalog
 * names them, whatever the streaming decoder made of non-ASCII names ({@link PgOutputNames}).
 */
@Internal
public final class ChangeRecordDeserializer implements DebeziumDeserializationSchema<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    /** Set as Debezium's {@code unavailable.value.placeholder} by {@link MirrorSource}. */
    static final String UNCHANGED_TOAST = "__sluice_unchanged_toast__";

    private static final byte[] UNCHANGED_TOAST_BYTES =
            UNCHANGED_TOAST.getBytes(StandardCharsets.UTF_8);

    /**
     * Debezium's default {@code unavailable.value.placeholder}, which a connector that Sluice did
     * not configure (source.kind: kafka) writes for an untouched TOASTed value.
     */
    static final String DEBEZIUM_UNAVAILABLE = "__debezium_unavailable_value";

    private static final byte[] DEBEZIUM_UNAVAILABLE_BYTES =
            DEBEZIUM_UNAVAILABLE.getBytes(StandardCharsets.UTF_8);

    /** As {@code snapshotVersion}: every row, snapshot rows too, is versioned by its own LSN. */
    private static final long RECORDED = Long.MIN_VALUE;

    private final long snapshotVersion;
    private final long snapshotCommitMs;
    private final Map<TableId, Set<String>> unreplicated;

    /** Where the snapshot's catch-up ends; none when the changes come from elsewhere (Kafka). */
    private final SnapshotCatchUp catchUp;

    /** Field name → column name, as repaired so far. */
    private transient Map<String, String> names;

    /**
     * @param snapshotVersion the version of this run's snapshot rows: a WAL position taken before
     *     the snapshot is read (see {@link io.sluice.common.change.Versions})
     * @param snapshotCommitMs the database time of that position, the "commit time" of snapshot
     *     rows
     */
    public ChangeRecordDeserializer(long snapshotVersion, long snapshotCommitMs) {
        this(snapshotVersion, snapshotCommitMs, Map.of());
    }

    /**
     * @param unreplicated per table, the columns logical replication does not deliver (see {@link
     *     io.sluice.common.schema.PostgresCatalog#unreplicatedColumns}): left out of every record,
     *     snapshot rows included, so the mirror never holds a value of theirs that it could not
     *     keep current
     */
    public ChangeRecordDeserializer(
            long snapshotVersion, long snapshotCommitMs, Map<TableId, Set<String>> unreplicated) {
        this(snapshotVersion, snapshotCommitMs, unreplicated, null);
    }

    /** As above, flagging the changes that lie in the snapshot's {@code catchUp}. */
    ChangeRecordDeserializer(
            long snapshotVersion,
            long snapshotCommitMs,
            Map<TableId, Set<String>> unreplicated,
            SnapshotCatchUp catchUp) {
        this.catchUp = catchUp;
        this.snapshotVersion = snapshotVersion;
        this.snapshotCommitMs = snapshotCommitMs;
        this.unreplicated = new java.util.HashMap<>(unreplicated);
    }

    /**
     * For changes that a Debezium connector wrote to Kafka: a snapshot row carries the WAL position
     * of its snapshot (Debezium's {@code source.lsn}, taken where the slot's stream starts), and is
     * versioned by it, as every streamed change is by its own.
     */
    public static ChangeRecordDeserializer versionedByRecordedLsn(
            Map<TableId, Set<String>> unreplicated) {
        return new ChangeRecordDeserializer(RECORDED, 0L, unreplicated);
    }

    /**
     * The Debezium envelope of a record that changes a row; null for anything else: heartbeats and
     * other non-change events, and logical decoding messages (Sluice's own anchors and heartbeats).
     */
    public static Struct rowChange(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
            return null;
        }
        return "m".equals(value.getString("op")) ? null : value;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeRecord> out) {
        Struct value = rowChange(record);
        if (value == null) {
            return;
        }
        String code = value.getString("op");
        ChangeRecord.Op op = op(code);
        Struct source = value.getStruct("source");
        TableId table = new TableId(source.getString("schema"), source.getString("table"));
        Struct row =
                op == ChangeRecord.Op.DELETE ? value.getStruct("before") : value.getStruct("after");
        Map<String, Object> values = new LinkedHashMap<>();
        Set<String> unchanged = new HashSet<>();
        Set<String> skipped = unreplicated.getOrDefault(table, Set.of());
        for (Field field : row.schema().fields()) {
            String name = columnName(field.name());
            if (skipped.contains(name)) {
                continue;
            }
            // Struct.get() would return the column default for a NULL: an explicit NULL must stay
            // NULL.
            Object raw = row.getWithoutDefault(field.name());
            if (isUnchangedToast(raw)) {
                unchanged.add(name);
            } else {
                values.put(name, convert(field.schema(), raw));
            }
        }
        long lsn = snapshotVersion;
        long commitMs = snapshotCommitMs;
        boolean inCatchUp = false;
        if (op != ChangeRecord.Op.SNAPSHOT || snapshotVersion == RECORDED) {
            Long l = source.schema().field("lsn") != null ? source.getInt64("lsn") : null;
            Long ts = source.schema().field("ts_ms") != null ? source.getInt64("ts_ms") : null;
            if (l == null || ts == null) {
                throw new IllegalStateException(
                        "a "
                                + (op == ChangeRecord.Op.SNAPSHOT ? "snapshot row" : "change")
                                + " of "
                                + table
                                + " without an LSN or a commit time in its source block");
            }
            lsn = l;
            commitMs = ts;
            inCatchUp =
                    op != ChangeRecord.Op.SNAPSHOT && catchUp != null && catchUp.covers(table, lsn);
        }
        out.collect(new ChangeRecord(table, op, values, unchanged, lsn, commitMs, inCatchUp));
    }

    /**
     * The column's name as the catalog spells it: streamed changes carry non-ASCII names garbled
     * ({@link PgOutputNames}). Repaired once per name.
     */
    private String columnName(String fieldName) {
        if (names == null) {
            names = new java.util.HashMap<>();
        }
        return names.computeIfAbsent(fieldName, PgOutputNames::repair);
    }

    private static ChangeRecord.Op op(String code) {
        switch (code) {
            case "r":
                return ChangeRecord.Op.SNAPSHOT;
            case "c":
                return ChangeRecord.Op.INSERT;
            case "u":
                return ChangeRecord.Op.UPDATE;
            case "d":
                return ChangeRecord.Op.DELETE;
            default:
                throw new IllegalArgumentException("unknown Debezium operation '" + code + "'");
        }
    }

    private static boolean isUnchangedToast(Object raw) {
        if (UNCHANGED_TOAST.equals(raw) || DEBEZIUM_UNAVAILABLE.equals(raw)) {
            return true;
        }
        if (raw instanceof byte[] b) {
            return Arrays.equals(b, UNCHANGED_TOAST_BYTES)
                    || Arrays.equals(b, DEBEZIUM_UNAVAILABLE_BYTES);
        }
        if (raw instanceof ByteBuffer bb) {
            return bb.duplicate().equals(ByteBuffer.wrap(UNCHANGED_TOAST_BYTES))
                    || bb.duplicate().equals(ByteBuffer.wrap(DEBEZIUM_UNAVAILABLE_BYTES));
        }
        return raw instanceof List<?> list
                && list.size() == 1
                && (UNCHANGED_TOAST.equals(list.get(0))
                        || DEBEZIUM_UNAVAILABLE.equals(list.get(0)));
    }

    /** The Java value of a Connect value, by its schema's logical name or type. */
    static Object convert(Schema schema, Object raw) {
        if (raw == null) {
            return null;
        }
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case "io.debezium.time.Date":
                    return LocalDate.ofEpochDay(((Number) raw).longValue());
                case "io.debezium.time.Time":
                    return timeOfDay(((Number) raw).longValue() * 1_000_000L);
                case "io.debezium.time.MicroTime":
                    return timeOfDay(((Number) raw).longValue() * 1_000L);
                case "io.debezium.time.NanoTime":
                    return timeOfDay(((Number) raw).longValue());
                case "io.debezium.time.Timestamp":
                    return LocalDateTime.ofInstant(
                            Instant.ofEpochMilli(((Number) raw).longValue()), ZoneOffset.UTC);
                case "io.debezium.time.MicroTimestamp":
                    return LocalDateTime.ofInstant(
                            micros(((Number) raw).longValue()), ZoneOffset.UTC);
                case "io.debezium.time.NanoTimestamp":
                    long nanos = ((Number) raw).longValue();
                    return LocalDateTime.ofInstant(
                            Instant.ofEpochSecond(
                                    Math.floorDiv(nanos, 1_000_000_000L),
                                    Math.floorMod(nanos, 1_000_000_000L)),
                            ZoneOffset.UTC);
                case "io.debezium.time.ZonedTimestamp":
                    try {
                        return ZonedTimestamps.parse((String) raw);
                    } catch (java.time.DateTimeException notATime) {
                        // Postgres' 'infinity' and '-infinity': kept as text, which no time
                        // column takes, so the row is a dead letter with its reason.
                        return raw;
                    }
                case "org.apache.kafka.connect.data.Date":
                    return LocalDate.ofInstant(((java.util.Date) raw).toInstant(), ZoneOffset.UTC);
                case "org.apache.kafka.connect.data.Timestamp":
                    return LocalDateTime.ofInstant(
                            ((java.util.Date) raw).toInstant(), ZoneOffset.UTC);
                case "org.apache.kafka.connect.data.Time":
                    return LocalTime.ofInstant(((java.util.Date) raw).toInstant(), ZoneOffset.UTC);
                case "org.apache.kafka.connect.data.Decimal":
                    return raw;
                case "io.debezium.data.VariableScaleDecimal":
                    Struct s = (Struct) raw;
                    return new BigDecimal(
                            new BigInteger(bytes(s.get("value"))), s.getInt32("scale"));
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
                return ((Byte) raw).shortValue();
            case INT16:
            case INT32:
            case INT64:
            case FLOAT32:
            case FLOAT64:
            case BOOLEAN:
                return raw;
            case STRING:
                // Debezium's text of a numeric NaN is "NAN"; Postgres prints "NaN".
                return "NAN".equals(raw) && isNumeric(schema) ? "NaN" : raw;
            case BYTES:
                return bytes(raw);
            case ARRAY:
                List<Object> items = new ArrayList<>();
                for (Object item : (List<?>) raw) {
                    items.add(convert(schema.valueSchema(), item));
                }
                return items;
            default:
                // Structs (geometry, ...) and maps keep Debezium's text form.
                return raw.toString();
        }
    }

    /**
     * A time of day; Postgres' {@code 24:00:00}, which {@link LocalTime} has no value for, as its
     * text (time columns are text in ClickHouse, written in Postgres' own form).
     */
    private static Object timeOfDay(long nanos) {
        return nanos == 86_400_000_000_000L ? "24:00:00" : LocalTime.ofNanoOfDay(nanos);
    }

    /** Whether the field is a Postgres numeric (its source type, which MirrorSource asks for). */
    private static boolean isNumeric(Schema schema) {
        Map<String, String> parameters = schema.parameters();
        return parameters != null
                && "NUMERIC".equalsIgnoreCase(parameters.get("__debezium.source.column.type"));
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static byte[] bytes(Object raw) {
        if (raw instanceof byte[] b) {
            return b;
        }
        ByteBuffer bb = ((ByteBuffer) raw).duplicate();
        byte[] b = new byte[bb.remaining()];
        bb.get(b);
        return b;
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return ChangeRecordTypeInfoFactory.ChangeRecordTypeInfo.INSTANCE;
    }
}
