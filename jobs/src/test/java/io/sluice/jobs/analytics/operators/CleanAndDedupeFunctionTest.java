package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.TableId;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.model.StampedChange;
import io.sluice.jobs.analytics.model.StringKey;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The clean-and-dedupe contract: validation, dedupe, corrections, deletes, lateness, TTL. */
public class CleanAndDedupeFunctionTest {
    static final TableId EVENTS = TableId.parse("public.events");
    static final EventSchema SCHEMA =
            new EventSchema(
                    EVENTS,
                    "event_id",
                    "user_id",
                    "occurred_at",
                    "event_name",
                    "properties",
                    PromotedProperty.parse(List.of("plan:String", "duration_ms:Int64")));
    static final AnalyticsTables.Table EVENTS_TABLE = AnalyticsTables.events(SCHEMA.promoted());
    static final long LATENESS = 3_600_000L;
    static final long TTL = 7L * 24 * 3_600_000L;
    static final long NOW = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();

    private KeyedOneInputStreamOperatorTestHarness<String, StampedChange, EventDelta> harness;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StampedChange, EventDelta>
            newHarness() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, StampedChange, EventDelta> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new CleanAndDedupeFunction(SCHEMA, 600_000L, LATENESS, TTL)),
                        s -> SCHEMA.eventId(s.change),
                        StringKey.TYPE);
        h.setProcessingTime(NOW);
        h.setStateTtlProcessingTime(NOW);
        return h;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    public static ChangeRecord change(
            Op op, long lsn, String id, Object user, String at, String name, String props) {
        Map<String, Object> v = new HashMap<>();
        v.put("event_id", id);
        v.put("user_id", user);
        v.put("occurred_at", at == null ? null : Instant.parse(at));
        v.put("event_name", name);
        v.put("properties", props);
        return new ChangeRecord(EVENTS, op, v, Set.of(), lsn, NOW);
    }

    static ChangeRecord committedAt(ChangeRecord c, long commitMs) {
        return new ChangeRecord(
                c.table(), c.op(), c.values(), c.unchangedColumns(), c.lsn(), commitMs);
    }

    static ChangeRecord delete(long lsn, String id) {
        return new ChangeRecord(EVENTS, Op.DELETE, Map.of("event_id", id), Set.of(), lsn, NOW);
    }

    private void push(ChangeRecord c, long watermark) throws Exception {
        harness.processElement(new StreamRecord<>(new StampedChange(c, watermark)));
    }

    private void push(ChangeRecord c) throws Exception {
        push(c, Long.MIN_VALUE);
    }

    private List<String> deltas() {
        List<String> out = new ArrayList<>();
        for (EventDelta d : harness.extractOutputValues()) {
            out.add((d.sign > 0 ? "+" : "-") + d.event.eventId + ":" + d.event.eventName);
        }
        harness.getOutput().clear();
        return out;
    }

    private List<AnalyticsRow> rows(String table) {
        List<AnalyticsRow> out = new ArrayList<>();
        for (StreamRecord<AnalyticsRow> r : harness.getSideOutput(CleanAndDedupeFunction.ROWS)) {
            if (r.getValue().table.equals(table)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    /** A row's value by column name (the events table's columns follow SCHEMA's promoted ones). */
    private static String get(AnalyticsRow r, String column) {
        return r.table.equals(AnalyticsTables.EVENTS) ? EVENTS_TABLE.get(r, column) : r.get(column);
    }

    /** A row as column name to value, in the table's column order. */
    private static Map<String, String> byColumn(AnalyticsRow r) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String column : EVENTS_TABLE.columnNames()) {
            out.put(column, get(r, column));
        }
        return out;
    }

    private void clearRows() {
        if (harness.getSideOutput(CleanAndDedupeFunction.ROWS) != null) {
            harness.getSideOutput(CleanAndDedupeFunction.ROWS).clear();
        }
    }

    @Test
    void anInsertIsCountedOnceHoweverOftenItIsDelivered() throws Exception {
        ChangeRecord insert =
                change(Op.INSERT, 100, "e1", 7L, "2026-11-20T10:00:00Z", "click", "{\"a\": 1}");
        push(insert);
        push(change(Op.UPDATE, 110, "e1", 7L, "2026-11-20T10:00:00Z", "click", "{\"a\": 1}"));
        push(insert);
        assertThat(deltas()).containsExactly("+e1:click");
        List<AnalyticsRow> events = rows(AnalyticsTables.EVENTS);
        assertThat(events).hasSize(1);
        assertThat(byColumn(events.get(0)))
                .containsExactly(
                        entry("event_id", "e1"),
                        entry("user_id", "7"),
                        entry("occurred_at", "2026-11-20 10:00:00"),
                        entry(
                                "occurred_at_us",
                                Long.toString(
                                        Instant.parse("2026-11-20T10:00:00Z").toEpochMilli()
                                                * 1000)),
                        entry("event_name", "click"),
                        entry("properties_json", "{\"a\":1}"),
                        entry("prop_plan", null),
                        entry("prop_duration_ms", null),
                        entry("_version", "100"),
                        entry("_is_deleted", "0"));
    }

    /**
     * What an at-least-once Kafka connector does after a crash: it sends changes again after newer
     * ones were read, by which time the event clock has moved past the horizon.
     */
    @Test
    void changesSentAgainAfterNewerOnesAreDuplicatesWhenChangesMayRepeat() throws Exception {
        harness.close();
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new CleanAndDedupeFunction(SCHEMA, 600_000L, LATENESS, TTL, true)),
                        s -> SCHEMA.eventId(s.change),
                        StringKey.TYPE);
        harness.setProcessingTime(NOW);
        harness.setStateTtlProcessingTime(NOW);
        harness.open();
        ChangeRecord insert =
                change(Op.INSERT, 100, "e1", 7L, "2026-11-20T10:00:00Z", "click", null);
        ChangeRecord update =
                change(Op.UPDATE, 110, "e1", 7L, "2026-11-20T10:00:00Z", "purchase", null);
        ChangeRecord insert2 =
                change(Op.INSERT, 120, "e2", 7L, "2026-11-20T10:00:00Z", "view", null);
        push(insert);
        push(update);
        push(insert2);
        push(delete(130, "e2"));
        assertThat(deltas())
                .containsExactly("+e1:click", "-e1:click", "+e1:purchase", "+e2:view", "-e2:view");
        clearRows();
        long muchLater = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
        push(insert, muchLater);
        push(update, muchLater);
        push(insert2, muchLater);
        push(delete(130, "e2"), muchLater);
        assertThat(deltas()).isEmpty();
        assertThat(rows(AnalyticsTables.LATE_EVENTS)).isEmpty();
        assertThat(rows(AnalyticsTables.EVENTS)).isEmpty();
    }

    @Test
    void promotedPropertiesBecomeColumnsAndLeaveTheJson() throws Exception {
        push(
                change(
                        Op.INSERT,
                        1,
                        "e1",
                        "u1",
                        "2026-11-20T10:00:00Z",
                        "view",
                        "{\"plan\": \"pro\", \"duration_ms\": 250.0, \"x\": [1, 2]}"));
        AnalyticsRow row = rows(AnalyticsTables.EVENTS).get(0);
        assertThat(get(row, "properties_json")).isEqualTo("{\"x\":[1,2]}");
        assertThat(get(row, "prop_plan")).isEqualTo("pro");
        assertThat(get(row, "prop_duration_ms")).isEqualTo("250");
    }

    @Test
    void aCorrectionRetractsTheOldVersionAndMovesTheRow() throws Exception {
        push(change(Op.INSERT, 100, "e1", 7L, "2026-11-20T10:00:00Z", "click", null));
        push(change(Op.UPDATE, 200, "e1", 7L, "2026-11-20T10:00:00Z", "purchase", null));
        assertThat(deltas()).containsExactly("+e1:click", "-e1:click", "+e1:purchase");
        List<AnalyticsRow> events = rows(AnalyticsTables.EVENTS);
        // The sort key changed (event_name): the old row is deleted at the correction's version.
        assertThat(events)
                .extracting(
                        r -> get(r, "event_name") + "/" + r.version + "/" + get(r, "_is_deleted"))
                .containsExactly("click/100/0", "click/200/1", "purchase/200/0");
    }

    @Test
    void aDeleteRetractsTheEventAndAnUnknownDeleteIsRecorded() throws Exception {
        push(change(Op.INSERT, 100, "e1", 7L, "2026-11-20T10:00:00Z", "click", null));
        push(delete(300, "e1"));
        push(delete(301, "never-seen"));
        assertThat(deltas()).containsExactly("+e1:click", "-e1:click");
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> get(r, "_is_deleted"))
                .containsExactly("0", "1");
        assertThat(rows(AnalyticsTables.LATE_EVENTS))
                .extracting(r -> get(r, "event_id") + "/" + get(r, "kind"))
                .containsExactly("never-seen/unknown-delete");
    }

    @Test
    void aDeleteReplayedInTheSnapshotCatchUpIsNoLateEvent() throws Exception {
        // The snapshot read the row's chunk after the delete: no snapshot row, then the replay.
        push(change(Op.SNAPSHOT, 50, "e1", 7L, "2026-11-20T10:00:00Z", "click", null));
        push(
                new ChangeRecord(
                        EVENTS, Op.DELETE, Map.of("event_id", "gone"), Set.of(), 60, NOW, true));
        // A delete in the catch-up of a row the snapshot did deliver still applies.
        push(
                new ChangeRecord(
                        EVENTS, Op.DELETE, Map.of("event_id", "e1"), Set.of(), 61, NOW, true));
        assertThat(deltas()).containsExactly("+e1:click", "-e1:click");
        assertThat(rows(AnalyticsTables.LATE_EVENTS)).isEmpty();
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> r.version + "/" + get(r, "_is_deleted") + "/" + r.fromSnapshot)
                .containsExactly("50/0/true", "61/1/false");
    }

    @Test
    void rowsOfSnapshotRowsAreMarkedForTheSinkToHoldUntilTheCheckpoint() throws Exception {
        push(change(Op.SNAPSHOT, 50, "e1", 7L, "2026-11-20T10:00:00Z", "click", null));
        push(change(Op.SNAPSHOT, 50, "e2", 7L, "2026-11-20T10:00:00Z", "click", "not json"));
        push(change(Op.INSERT, 70, "e3", 7L, "2026-11-20T10:00:00Z", "click", null));
        push(change(Op.UPDATE, 71, "e2", 7L, "2026-11-20T10:00:00Z", "click", null));
        assertThat(rows(AnalyticsTables.DEAD_LETTERS))
                .extracting(r -> r.version + "/" + r.fromSnapshot)
                .containsExactly("50/true", "71/false");
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> get(r, "event_id") + "/" + r.fromSnapshot)
                .containsExactly("e1/true", "e3/false", "e2/false");
    }

    @Test
    void futureSkewIsJudgedByTheCommitTimeNotTheProcessingTime() throws Exception {
        // Processed a week later (a replay, a slow catch-up): the verdicts must not change.
        harness.setProcessingTime(NOW + 7 * 86_400_000L);
        String at = "2026-11-21T12:00:00Z"; // a day after NOW
        push(change(Op.INSERT, 1, "ahead", 7L, at, "x", null));
        push(
                committedAt(
                        change(Op.INSERT, 2, "caught-up", 7L, at, "x", null),
                        Instant.parse(at).toEpochMilli() - 60_000L));
        assertThat(rows(AnalyticsTables.DEAD_LETTERS))
                .extracting(r -> get(r, "event_id"))
                .containsExactly("ahead");
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> get(r, "event_id"))
                .containsExactly("caught-up");
    }

    @Test
    void unusableRowsAreDeadLettersWithTheirReasonUntilCorrected() throws Exception {
        push(change(Op.INSERT, 1, "bad-json", 7L, "2026-11-20T10:00:00Z", "x", "[1, 2]"));
        push(change(Op.INSERT, 2, "no-user", null, "2026-11-20T10:00:00Z", "x", null));
        push(change(Op.INSERT, 3, "no-time", 7L, null, "x", null));
        push(change(Op.INSERT, 4, "future", 7L, "2026-11-21T12:00:00Z", "x", null));
        push(
                change(
                        Op.INSERT,
                        5,
                        "bad-type",
                        7L,
                        "2026-11-20T10:00:00Z",
                        "x",
                        "{\"duration_ms\": \"abc\"}"));
        push(change(Op.INSERT, 6, "text", 7L, "2026-11-20T10:00:00Z", "x", "{not json"));
        assertThat(deltas()).isEmpty();
        assertThat(rows(AnalyticsTables.EVENTS)).isEmpty();
        List<AnalyticsRow> dead = rows(AnalyticsTables.DEAD_LETTERS);
        assertThat(dead)
                .extracting(r -> get(r, "event_id") + ": " + get(r, "reason"))
                .containsExactly(
                        "bad-json: properties is a JSON array, not an object",
                        "no-user: user_id is NULL or empty",
                        "no-time: occurred_at is NULL",
                        "future: occurred_at 2026-11-21 12:00:00 is more than 600 s after its"
                                + " commit (analytics.max-future-skew)",
                        "bad-type: property duration_ms is \"abc\", not a Int64"
                                + " (analytics.promoted-properties)",
                        "text: properties is not valid JSON: Unexpected character ('n' (code 110)):"
                                + " was expecting double-quote to start field name");
        assertThat(get(dead.get(0), "raw_row")).contains("\"event_id\":\"bad-json\"");

        clearRows();
        push(change(Op.UPDATE, 10, "no-user", 8L, "2026-11-20T10:00:00Z", "x", null));
        assertThat(deltas()).containsExactly("+no-user:x");
        assertThat(rows(AnalyticsTables.DEAD_LETTERS))
                .extracting(r -> get(r, "event_id") + "/" + r.version + "/" + get(r, "_is_deleted"))
                .containsExactly("no-user/10/1");
    }

    @Test
    void aCorrectionThatBreaksAnEventRetractsIt() throws Exception {
        push(change(Op.INSERT, 1, "e1", 7L, "2026-11-20T10:00:00Z", "x", null));
        push(change(Op.UPDATE, 2, "e1", null, "2026-11-20T10:00:00Z", "x", null));
        assertThat(deltas()).containsExactly("+e1:x", "-e1:x");
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> get(r, "_is_deleted"))
                .containsExactly("0", "1");
        assertThat(rows(AnalyticsTables.DEAD_LETTERS)).hasSize(1);
    }

    @Test
    void eventsBehindTheWatermarkByMoreThanTheLatenessAreLate() throws Exception {
        long wm = Instant.parse("2026-11-20T11:00:00Z").toEpochMilli();
        // Exactly at watermark - lateness: still on time.
        push(change(Op.INSERT, 1, "on-time", 7L, "2026-11-20T10:00:00Z", "x", null), wm);
        push(change(Op.INSERT, 2, "late", 7L, "2026-11-20T09:59:59.999Z", "x", null), wm);
        // Snapshot rows are history, never late.
        push(change(Op.SNAPSHOT, 0, "old", 7L, "2026-11-01T00:00:00Z", "x", null), wm);
        assertThat(deltas()).containsExactly("+on-time:x", "+old:x");
        assertThat(rows(AnalyticsTables.LATE_EVENTS))
                .extracting(
                        r -> get(r, "event_id") + "/" + get(r, "kind") + "/" + get(r, "watermark"))
                .containsExactly("late/event/2026-11-20 11:00:00");
        // A late event is still a true event.
        assertThat(rows(AnalyticsTables.EVENTS))
                .extracting(r -> get(r, "event_id"))
                .containsExactly("on-time", "late", "old");

        // Correcting the late event does not retract what it never added.
        push(change(Op.UPDATE, 3, "late", 7L, "2026-11-20T10:30:00Z", "x", null), wm);
        assertThat(deltas()).containsExactly("+late:x");

        // A delete that arrives when the event is too far behind is recorded, not applied.
        long later = Instant.parse("2026-11-20T12:00:01Z").toEpochMilli();
        push(delete(4, "on-time"), later);
        assertThat(deltas()).isEmpty();
        assertThat(rows(AnalyticsTables.LATE_EVENTS))
                .extracting(r -> get(r, "event_id") + "/" + get(r, "kind"))
                .contains("on-time/retraction");
    }

    @Test
    void stateSurvivesARestoreAndExpiresAfterTheTtl() throws Exception {
        ChangeRecord insert = change(Op.INSERT, 1, "e1", 7L, "2026-11-20T10:00:00Z", "x", null);
        push(insert);
        OperatorSubtaskState snapshot = harness.snapshot(1, NOW);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        push(insert);
        assertThat(deltas()).isEmpty();

        harness.setStateTtlProcessingTime(NOW + TTL + 1);
        harness.setProcessingTime(NOW + TTL + 1);
        push(insert);
        assertThat(deltas()).containsExactly("+e1:x");
    }

    @Test
    void expiredEventsLeaveMemoryAsNewEventsArrive() throws Exception {
        for (int i = 0; i < 100; i++) {
            push(change(Op.INSERT, i + 1, "old-" + i, 7L, "2026-11-20T10:00:00Z", "x", null));
        }
        assertThat(harness.numKeyedStateEntries()).isEqualTo(100);
        harness.setStateTtlProcessingTime(NOW + TTL + 1);
        for (int i = 0; i < 300; i++) {
            push(change(Op.INSERT, 1_000 + i, "new-" + i, 7L, "2026-11-20T11:00:00Z", "x", null));
        }
        // Nothing read the old ids again: only the cleanup that runs as state is accessed can
        // have removed them.
        assertThat(harness.numKeyedStateEntries()).isEqualTo(300);
    }

    @Test
    void anExpiredDeadLetterMarkIsLeftOutOfTheNextSnapshot() throws Exception {
        push(change(Op.INSERT, 1, "no-user", null, "2026-11-20T10:00:00Z", "x", null));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        harness.setStateTtlProcessingTime(NOW + TTL + 1);
        push(change(Op.INSERT, 3, "fresh", 7L, "2026-11-20T11:00:00Z", "x", null));
        OperatorSubtaskState snapshot = harness.snapshot(1, NOW + TTL + 1);
        harness.close();

        harness = newHarness();
        harness.setStateTtlProcessingTime(NOW + TTL + 1);
        harness.initializeState(snapshot);
        harness.open();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1); // "fresh"
        clearRows();
        // The mark is gone: the fixed row is counted and no dead letter is deleted for it.
        push(change(Op.UPDATE, 4, "no-user", 8L, "2026-11-20T11:00:00Z", "x", null));
        assertThat(deltas()).containsExactly("+no-user:x");
        assertThat(rows(AnalyticsTables.DEAD_LETTERS)).isEmpty();
    }

    /**
     * Writes the dedupe state as builds before {@code CleanEventSerializer} and {@link StringKey}
     * did: a POJO value under a {@code Types.STRING} key.
     */
    static final class PojoDedupeState extends KeyedProcessFunction<String, StampedChange, String> {
        private transient ValueState<CleanEvent> current;

        @Override
        public void open(OpenContext context) {
            ValueStateDescriptor<CleanEvent> d =
                    new ValueStateDescriptor<>(
                            "current-event", TypeInformation.of(CleanEvent.class));
            d.enableTimeToLive(
                    StateTtlConfig.newBuilder(Duration.ofMillis(TTL))
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
            current = getRuntimeContext().getState(d);
        }

        @Override
        public void processElement(StampedChange c, Context ctx, Collector<String> out)
                throws Exception {
            CleanEvent e = new CleanEvent();
            e.eventId = ctx.getCurrentKey();
            e.userId = "7";
            e.occurredAtUs = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli() * 1000;
            e.eventName = "click";
            e.propertiesJson = "{}";
            e.promoted = new String[] {null, null};
            e.counted = true;
            current.update(e);
        }
    }

    @Test
    void dedupeStateWrittenByThePojoSerializerRestores() throws Exception {
        OperatorSubtaskState legacy;
        try (var writer =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new PojoDedupeState()),
                        (StampedChange s) -> SCHEMA.eventId(s.change),
                        Types.STRING)) {
            writer.setStateTtlProcessingTime(NOW);
            writer.open();
            writer.processElement(
                    new StreamRecord<>(
                            new StampedChange(
                                    change(
                                            Op.INSERT,
                                            1,
                                            "e1",
                                            7L,
                                            "2026-11-20T10:00:00Z",
                                            "click",
                                            null),
                                    Long.MIN_VALUE)));
            legacy = writer.snapshot(1, NOW);
        }
        harness.close();
        harness = newHarness();
        harness.initializeState(legacy);
        harness.open();
        // The restored event is known: a correction retracts it, and the state written again
        // (now in the new format) survives another restore.
        push(change(Op.UPDATE, 2, "e1", 7L, "2026-11-20T10:00:00Z", "purchase", null));
        assertThat(deltas()).containsExactly("-e1:click", "+e1:purchase");
        OperatorSubtaskState again = harness.snapshot(2, NOW);
        harness.close();
        harness = newHarness();
        harness.initializeState(again);
        harness.open();
        push(delete(3, "e1"));
        assertThat(deltas()).containsExactly("-e1:purchase");
    }
}
