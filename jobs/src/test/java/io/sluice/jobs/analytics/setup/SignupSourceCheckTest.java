package io.sluice.jobs.analytics.setup;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** With cohorts by signup, the start says what is wrong with the users table. */
class SignupSourceCheckTest {
    static final TableId USERS = new TableId("public", "users");

    static Map<String, Object> values() {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.users", "public.events"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.put("analytics.retention.cohort-by", "signup");
        return v;
    }

    static PgTable users(int userIdKey, int createdAtKey) {
        return new PgTable(
                USERS,
                List.of(
                        new PgColumn("user_id", "bigint", false, true, userIdKey),
                        new PgColumn("email", "text", false, false, 0),
                        new PgColumn(
                                "created_at",
                                "timestamp with time zone",
                                false,
                                false,
                                createdAtKey)));
    }

    @Test
    void theSampleUsersTableIsFine() {
        assertThat(
                        AnalyticsSetup.signupProblems(
                                SluiceConfig.of(values()), Optional.of(users(1, 0)), Set.of()))
                .isEmpty();
    }

    @Test
    void saysWhatIsMissing() {
        Map<String, Object> v = values();
        v.put("postgres.tables", List.of("public.events"));
        v.put("analytics.columns.signed-up-at", "signed_up_at");
        assertThat(
                        AnalyticsSetup.signupProblems(
                                SluiceConfig.of(v), Optional.of(users(1, 0)), Set.of()))
                .containsExactly(
                        "'analytics.users-table' is public.users, which is not in"
                                + " 'postgres.tables': add it there so it is captured"
                                + " ('analytics.retention.cohort-by' is signup)",
                        "'analytics.columns.signed-up-at' is signed_up_at, but public.users has"
                                + " no such column");
        assertThat(
                        AnalyticsSetup.signupProblems(
                                SluiceConfig.of(values()), Optional.empty(), Set.of()))
                .singleElement()
                .asString()
                .contains("does not exist in Postgres");
    }

    @Test
    void theUserIdMustBeTheKeyTheTimeReplicatedAndBothIdsHashedAlike() {
        Map<String, Object> v = values();
        v.put("pii.columns", List.of("public.events.user_id"));
        assertThat(
                        AnalyticsSetup.signupProblems(
                                SluiceConfig.of(v), Optional.of(users(1, 2)), Set.of("created_at")))
                .hasSize(3)
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .contains(
                                                "primary key of public.users is (user_id, created_at)"))
                .anySatisfy(p -> assertThat(p).contains("generated column"))
                .anySatisfy(p -> assertThat(p).contains("hash both or neither"));
        v.put("pii.columns", List.of("public.events.user_id", "public.users.user_id"));
        assertThat(
                        AnalyticsSetup.signupProblems(
                                SluiceConfig.of(v), Optional.of(users(1, 0)), Set.of()))
                .isEmpty();
    }
}
