package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** user-cohorts keeps its uid; by signup it gets the users table's changes as a second input. */
class CohortTopologyTest {
    static StreamNode userCohorts(String cohortBy) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.users", "public.events"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.put("analytics.retention.cohort-by", cohortBy);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ChangeRecord r =
                new ChangeRecord(
                        new TableId("public", "users"),
                        ChangeRecord.Op.INSERT,
                        Map.of("user_id", 1),
                        Set.of(),
                        1);
        AnalyticsJob.analytics(env.fromData(r), SluiceConfig.of(v));
        StreamGraph graph = env.getStreamGraph();
        return graph.getStreamNodes().stream()
                .filter(n -> n.getOperatorName().equals("user-cohorts"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void firstEventKeepsOneInputAndSignupAddsTheSignups() {
        StreamNode firstEvent = userCohorts("first-event");
        assertThat(firstEvent.getTransformationUID()).isEqualTo("user-cohorts");
        assertThat(firstEvent.getInEdges()).hasSize(1);
        StreamNode signup = userCohorts("signup");
        assertThat(signup.getTransformationUID()).isEqualTo("user-cohorts");
        assertThat(signup.getInEdges()).hasSize(2);
    }
}
