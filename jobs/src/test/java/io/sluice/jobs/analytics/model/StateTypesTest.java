package io.sluice.jobs.analytics.model;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.SessionEvent;
import io.sluice.jobs.analytics.finance.MrrDelta;
import io.sluice.jobs.analytics.finance.OrderState;
import io.sluice.jobs.analytics.finance.RefundChange;
import io.sluice.jobs.analytics.finance.RefundState;
import io.sluice.jobs.analytics.finance.RevenueDelta;
import io.sluice.jobs.analytics.finance.SubscriptionChange;
import io.sluice.jobs.analytics.finance.SubscriptionState;
import org.junit.jupiter.api.Test;

/**
 * Every type the analytics job keeps in keyed state, or sends between keyed operators (so it is in
 * unaligned checkpoints' in-flight data), is serialized by Flink's POJO serializer and never by
 * Kryo: only then can a savepoint be restored after the type gains a field (README "Upgrades").
 */
class StateTypesTest {
    @Test
    void cleanEventIsAPojo() {
        // Inside EventDelta between operators (the dedupe state has CleanEventSerializer).
        assertSerializedAsPojoWithoutKryo(CleanEvent.class);
    }

    @Test
    void sessionIsAPojo() {
        // MapState "written-sessions" of sessionize.
        assertSerializedAsPojoWithoutKryo(Session.class);
    }

    @Test
    void sessionEventIsAPojo() {
        // ListState "appended-events" of sessionize, and its legacy MapState "events".
        assertSerializedAsPojoWithoutKryo(SessionEvent.class);
    }

    @Test
    void stampedChangeIsAPojo() {
        // Event clock to clean-and-dedupe (keyed by event id); ChangeRecord has its own serializer.
        assertSerializedAsPojoWithoutKryo(StampedChange.class);
    }

    @Test
    void eventDeltaIsAPojo() {
        // Between operators it has its own serializer now (EventDeltaSerializer), which reads
        // the POJO records of earlier builds from a backfill's in-flight data: they stay readable.
        assertSerializedAsPojoWithoutKryo(EventDelta.class);
    }

    @Test
    void activeUsersDeltaIsAPojo() {
        // User activity to active-users-daily (keyed by day).
        assertSerializedAsPojoWithoutKryo(ActiveUsersDelta.class);
    }

    @Test
    void analyticsRowIsAPojo() {
        // Every analytics operator to the sink, whose writer buffers rows until a checkpoint.
        assertSerializedAsPojoWithoutKryo(AnalyticsRow.class);
    }

    @Test
    void financeStateAndMessagesArePojos() {
        // ValueState "order" of revenue-orders, "refund" of revenue-refunds; the messages from
        // revenue-refunds to revenue-orders and from revenue-orders to revenue-daily (keyed).
        assertSerializedAsPojoWithoutKryo(OrderState.class);
        assertSerializedAsPojoWithoutKryo(RefundState.class);
        assertSerializedAsPojoWithoutKryo(RefundChange.class);
        assertSerializedAsPojoWithoutKryo(RevenueDelta.class);
        // ValueState "subscription" of mrr-subscriptions; its messages to mrr-customers and
        // theirs to mrr-daily.
        assertSerializedAsPojoWithoutKryo(SubscriptionState.class);
        assertSerializedAsPojoWithoutKryo(SubscriptionChange.class);
        assertSerializedAsPojoWithoutKryo(MrrDelta.class);
    }
}
