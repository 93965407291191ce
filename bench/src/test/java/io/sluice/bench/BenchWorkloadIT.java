package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * The events the bench writes, on the real Postgres, read back with SQL: in the mixed workload
 * every user goes through all five names, in order, so that the bench's funnel ("page_view > click
 * > signup") completes for users; in the single-name one each user keeps one name.
 */
class BenchWorkloadIT {
    private static final long EVENTS = 60_000; // six events per user

    @Test
    void mixedUsersGoThroughEveryNameAndSingleNameUsersKeepOne() throws Exception {
        TestServers servers = TestServers.get();
        for (Bench.Workload w : Bench.Workload.values()) {
            String db = servers.postgres().newDatabase("workload");
            try (Connection pg = Ceilings.connect(servers, db)) {
                BenchSql.execute(
                        pg,
                        Files.readString(
                                Path.of(Bench.root(), "sql", "postgres", "01_schema.sql")));
                BenchSql.writeEvents(
                        pg, 1, EVENTS, 10_000, "clock_timestamp() - interval '1 minute'", w);
                String namesPerUser =
                        BenchSql.queryString(
                                pg,
                                "SELECT min(n)::text || '/' || max(n)::text FROM (SELECT"
                                        + " count(DISTINCT event_name) n FROM events GROUP BY"
                                        + " user_id) s");
                // Users whose events, in the order written, hold page_view, then click, then
                // signup: the bench's 'visit' funnel completes for them.
                String completing =
                        BenchSql.queryString(
                                pg,
                                "SELECT count(*)::text FROM (SELECT user_id, string_agg(event_name,"
                                        + " ',' ORDER BY occurred_at, event_id) s FROM events GROUP"
                                        + " BY user_id) u WHERE s ~ 'page_view,.*click,.*signup'");
                if (w == Bench.Workload.MIXED) {
                    assertThat(namesPerUser).isEqualTo("5/5");
                    assertThat(Long.parseLong(completing)).as("users completing").isPositive();
                } else {
                    assertThat(namesPerUser).isEqualTo("1/1");
                    assertThat(completing).isEqualTo("0");
                }
            }
        }
    }

    @Test
    void anUnknownWorkloadIsRefused() {
        assertThatThrownBy(() -> Bench.Args.parse(new String[] {"--workload", "random"}))
                .hasMessage("--workload is mixed or single-name, got 'random'");
        assertThat(Bench.Args.parse(new String[] {"--workload", "single-name"}).workload())
                .isEqualTo(Bench.Workload.SINGLE_NAME);
        assertThat(Bench.Args.parse(new String[0]).workload()).isEqualTo(Bench.Workload.MIXED);
    }
}
