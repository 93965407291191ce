package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The finance operators are in the analytics job exactly when their tables are captured, each
 * stateful one with its name as a stable uid; one of orders and refunds alone is refused.
 */
class FinanceTopologyTest {
    static Map<String, StreamNode> nodes(List<String> tables) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", tables);
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ChangeRecord r =
                new ChangeRecord(
                        new TableId("public", "orders"),
                        ChangeRecord.Op.INSERT,
                        Map.of("order_id", 1),
                        Set.of(),
                        1);
        AnalyticsJob.analytics(env.fromData(r), SluiceConfig.of(v));
        Map<String, StreamNode> byName = new TreeMap<>();
        for (StreamNode n : env.getStreamGraph().getStreamNodes()) {
            byName.put(n.getOperatorName(), n);
        }
        return byName;
    }

    @Test
    void revenueRunsWithOrdersAndRefundsCapturedUnderStableUids() {
        Map<String, StreamNode> nodes =
                nodes(List.of("public.events", "public.orders", "public.refunds"));
        for (String name :
                List.of(
                        "revenue-changes",
                        "revenue-refunds",
                        "revenue-orders",
                        "revenue-combine",
                        "revenue-daily")) {
            assertThat(nodes).containsKey(name);
            assertThat(nodes.get(name).getTransformationUID()).isEqualTo(name);
        }
        assertThat(nodes.get("revenue-orders").getInEdges()).as("orders and refunds").hasSize(2);
        assertThat(nodes(List.of("public.events")).keySet())
                .noneMatch(n -> n.startsWith("revenue-"));
        assertThatThrownBy(() -> nodes(List.of("public.events", "public.orders")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("analytics.revenue_daily needs both");
    }

    @Test
    void mrrRunsWithSubscriptionsCapturedAndReadsTheEventClock() {
        Map<String, StreamNode> nodes = nodes(List.of("public.events", "public.subscriptions"));
        for (String name :
                List.of("mrr-changes", "mrr-subscriptions", "mrr-customers", "mrr-daily")) {
            assertThat(nodes).containsKey(name);
            assertThat(nodes.get(name).getTransformationUID()).isEqualTo(name);
        }
        assertThat(nodes.get("mrr-daily").getInEdges()).as("customers and the clock").hasSize(2);
        assertThat(nodes.get("mrr-clock").getInEdges().get(0).getSourceId())
                .as("the clock reads the event clock's watermarks")
                .isEqualTo(nodes.get("event-clock").getId());
        assertThat(nodes(List.of("public.events")).keySet()).noneMatch(n -> n.startsWith("mrr-"));
    }
}
