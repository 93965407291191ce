package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs' schema setup through {@link ClickHouseSchema} on real servers: run again (a restart, a
 * failover before the job started) it changes nothing, and a column that appeared in the source
 * since, or a newly promoted property, is added once.
 */
class SchemaSetupIT {
    @Test
    void setupRunsAgainHarmlesslyAndAddsOnlyWhatIsNew(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("schemasetup");
        String chDb = servers.clickhouse().newDatabase("schemasetup");
        String anDb = chDb + "_an";
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb);
                Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE TABLE events (event_id uuid PRIMARY KEY, user_id bigint,"
                            + " occurred_at timestamptz, event_name text, properties jsonb)");
            Map<String, Object> settings =
                    JobTestSupport.settings(servers, pgDb, chDb, List.of("public.events"), tmp);
            settings.put(AnalyticsOptions.DATABASE.key(), anDb);
            settings.put(AnalyticsOptions.PROMOTED_PROPERTIES.key(), List.of("plan:String"));
            SluiceConfig config = SluiceConfig.of(settings);
            ClickHouseSchema schema = new ClickHouseSchema(ch);

            MirrorSetup.prepare(config);
            AnalyticsSetup.prepare(config);
            Map<String, String> mirrored = schema.columns(chDb, "events");
            Map<String, String> analyticsEvents = schema.columns(anDb, "events");
            assertThat(mirrored)
                    .containsKeys("event_id", "user_id", "properties", "_version", "_lsn");
            assertThat(analyticsEvents).containsKey("prop_plan");

            // Again, unchanged: nothing is created or added twice.
            MirrorSetup.prepare(config);
            AnalyticsSetup.prepare(config);
            assertThat(schema.columns(chDb, "events")).isEqualTo(mirrored);
            assertThat(schema.columns(anDb, "events")).isEqualTo(analyticsEvents);

            // A column added in Postgres and a newly promoted property, each added once.
            st.execute("ALTER TABLE events ADD COLUMN country text");
            settings.put(
                    AnalyticsOptions.PROMOTED_PROPERTIES.key(),
                    List.of("plan:String", "tier:Int64"));
            SluiceConfig changed = SluiceConfig.of(settings);
            MirrorSetup.prepare(changed);
            MirrorSetup.prepare(changed);
            AnalyticsSetup.prepare(changed);
            AnalyticsSetup.prepare(changed);
            assertThat(schema.columns(chDb, "events"))
                    .containsKey("country")
                    .hasSize(mirrored.size() + 1);
            Map<String, String> promoted = schema.columns(anDb, "events");
            assertThat(promoted)
                    .containsEntry("prop_tier", "Nullable(Int64)")
                    .hasSize(analyticsEvents.size() + 1);
            // An added promoted column goes right after properties_json (AFTER in the ALTER).
            List<String> names = List.copyOf(promoted.keySet());
            assertThat(names.indexOf("prop_tier")).isEqualTo(names.indexOf("properties_json") + 1);

            // sessions_daily as an earlier release created it (no events column) gets the column,
            // in its place, once; its rows read 0 events.
            ch.execute("DROP TABLE `" + anDb + "`.`sessions_daily`");
            ch.execute(
                    "CREATE TABLE `"
                            + anDb
                            + "`.`sessions_daily` (`session_day_user` String, `user_id` String,"
                            + " `session_day` Date, `starts` Int64, `ends` Int64, `_version` UInt64)"
                            + " ENGINE = ReplacingMergeTree(_version) ORDER BY (session_day_user)");
            ch.execute(
                    "INSERT INTO `"
                            + anDb
                            + "`.`sessions_daily` VALUES ('2026-11-20|u1', 'u1', '2026-11-20', 1, 0, 7)");
            AnalyticsSetup.prepare(changed);
            AnalyticsSetup.prepare(changed);
            assertThat(List.copyOf(schema.columns(anDb, "sessions_daily").keySet()))
                    .containsExactly(
                            "session_day_user",
                            "user_id",
                            "session_day",
                            "starts",
                            "ends",
                            "events",
                            "_version");
            assertThat(ch.queryValue("SELECT events FROM `" + anDb + "`.`sessions_daily`"))
                    .isEqualTo("0");
        }
    }
}
