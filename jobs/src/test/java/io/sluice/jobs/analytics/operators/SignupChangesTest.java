package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.ProductAnalyticsOptions.CohortBy;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.model.SignupSchema;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The users table's changes become signups, and the signup input never holds the clock back. */
class SignupChangesTest {
    static final TableId USERS = new TableId("public", "users");
    static final SignupSchema SCHEMA = new SignupSchema(USERS, "user_id", "created_at");

    static ChangeRecord change(TableId table, Op op, Map<String, Object> values, long lsn) {
        return new ChangeRecord(table, op, values, Set.of(), lsn);
    }

    static Map<String, Object> row(Object id, Object createdAt) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("user_id", id);
        v.put("email", "a@b.c");
        v.put("created_at", createdAt);
        return v;
    }

    @Test
    void readsTheSignupOfEveryKindOfUsersChange() {
        Instant t = Instant.parse("2026-01-07T10:00:00Z");
        long us = t.getEpochSecond() * 1_000_000;
        assertThat(SCHEMA.signup(change(USERS, Op.SNAPSHOT, row(42L, t), 5)))
                .as("a bigint id is its decimal text, as EventParser reads an event's")
                .isEqualTo(new SignupChange("42", us, 5));
        assertThat(
                        SCHEMA.signup(
                                change(
                                        USERS,
                                        Op.UPDATE,
                                        row("u7", LocalDateTime.parse("2026-01-07T10:00:00")),
                                        6)))
                .as("a timestamp without time zone is UTC")
                .isEqualTo(new SignupChange("u7", us, 6));
        assertThat(
                        SCHEMA.signup(
                                change(USERS, Op.INSERT, row(1, LocalDate.parse("2026-01-07")), 7)))
                .isEqualTo(new SignupChange("1", us - 10L * 3600 * 1_000_000, 7));
        assertThat(SCHEMA.signup(change(USERS, Op.UPDATE, row(1, null), 8)))
                .as("a NULL time: no cohort")
                .isEqualTo(new SignupChange("1", null, 8));
        assertThat(SCHEMA.signup(change(USERS, Op.DELETE, Map.of("user_id", 1), 9)))
                .as("a delete carries the key only")
                .isEqualTo(new SignupChange("1", null, 9));
        assertThat(SCHEMA.signup(change(USERS, Op.INSERT, row(null, t), 10))).isNull();
        assertThat(SCHEMA.signup(change(USERS, Op.INSERT, row("", t), 10))).isNull();
        Map<String, Object> untouched = row(1, null);
        untouched.remove("created_at");
        assertThat(
                        SCHEMA.signup(
                                new ChangeRecord(
                                        USERS, Op.UPDATE, untouched, Set.of("created_at"), 11)))
                .as("an unchanged (TOASTed) time says nothing")
                .isNull();
    }

    @Test
    void passesOnlyUsersRowsAndMarksItsOutputIdleForGood() throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<>(new SignupChanges(SCHEMA))) {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            change(
                                    new TableId("public", "events"),
                                    Op.INSERT,
                                    Map.of("user_id", 1, "created_at", Instant.EPOCH),
                                    3)));
            h.processElement(new StreamRecord<>(change(USERS, Op.INSERT, row(1, null), 4)));
            h.processWatermark(new Watermark(1_000));
            h.processWatermarkStatus(WatermarkStatus.ACTIVE);
            assertThat(h.getOutput())
                    .extracting(o -> o instanceof StreamRecord<?> r ? r.getValue() : o)
                    .as("upstream watermarks and statuses are not passed on")
                    .containsExactly(new SignupChange("1", null, 4));
            h.getOutput().clear();
            h.setProcessingTime(1);
            assertThat(h.getOutput()).containsExactly(WatermarkStatus.IDLE);
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(h.getOutput()).containsExactly(WatermarkStatus.IDLE);
        }
    }

    @Test
    void cohortByIsWrittenInLowerCaseWithAHyphen() {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.users", "public.events"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        SluiceConfig defaults = SluiceConfig.of(v);
        assertThat(defaults.get(ProductAnalyticsOptions.RETENTION_COHORT_BY))
                .isEqualTo(CohortBy.FIRST_EVENT);
        assertThat(defaults.toMap()).containsEntry("analytics.retention.cohort-by", "first-event");
        v.put("analytics.retention.cohort-by", "signup");
        assertThat(SluiceConfig.of(v).get(ProductAnalyticsOptions.RETENTION_COHORT_BY))
                .isEqualTo(CohortBy.SIGNUP);
        v.put("analytics.retention.cohort-by", "first-event");
        assertThat(SluiceConfig.of(v).get(ProductAnalyticsOptions.RETENTION_COHORT_BY))
                .isEqualTo(CohortBy.FIRST_EVENT);
        v.put("analytics.retention.cohort-by", "created_at");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.of(v))
                .hasMessageContaining("analytics.retention.cohort-by")
                .hasMessageContaining("first-event or signup");
    }
}
