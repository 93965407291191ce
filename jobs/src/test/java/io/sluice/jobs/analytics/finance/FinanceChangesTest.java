package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.TableId;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Only the finance tables' changes pass, and the branch never holds another operator's clock. */
class FinanceChangesTest {
    @Test
    void passesOnlyOrdersAndRefundsAndMarksItsOutputIdleForGood() throws Exception {
        ChangeRecord order =
                new ChangeRecord(
                        RevenueWorkload.ORDERS, Op.INSERT, Map.of("order_id", 1L), Set.of(), 4);
        ChangeRecord refund =
                new ChangeRecord(
                        RevenueWorkload.REFUNDS, Op.DELETE, Map.of("refund_id", 2L), Set.of(), 5);
        try (var h =
                new OneInputStreamOperatorTestHarness<>(
                        new FinanceChanges(
                                Set.of(RevenueWorkload.ORDERS, RevenueWorkload.REFUNDS)))) {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            new ChangeRecord(
                                    new TableId("public", "events"),
                                    Op.INSERT,
                                    Map.of("order_id", 1L),
                                    Set.of(),
                                    3)));
            h.processElement(new StreamRecord<>(order));
            h.processElement(new StreamRecord<>(refund));
            h.processWatermark(new Watermark(1_000));
            h.processWatermarkStatus(WatermarkStatus.ACTIVE);
            assertThat(h.getOutput())
                    .extracting(o -> o instanceof StreamRecord<?> r ? r.getValue() : o)
                    .as("upstream watermarks and statuses are not passed on")
                    .containsExactly(order, refund);
            h.getOutput().clear();
            h.setProcessingTime(1);
            assertThat(h.getOutput()).containsExactly(WatermarkStatus.IDLE);
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(h.getOutput()).containsExactly(WatermarkStatus.IDLE);
        }
    }
}
