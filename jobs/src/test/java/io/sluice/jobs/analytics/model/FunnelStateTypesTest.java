package io.sluice.jobs.analytics.model;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import org.junit.jupiter.api.Test;

/** The funnel operators' state and exchange types are POJOs, never Kryo (see StateTypesTest). */
class FunnelStateTypesTest {
    @Test
    void funnelEventIsAPojo() {
        // MapState "funnel-events" of the funnel function.
        assertSerializedAsPojoWithoutKryo(FunnelEvent.class);
    }

    @Test
    void funnelDeltaIsAPojo() {
        // Funnel function to funnel-daily (keyed by funnel and day).
        assertSerializedAsPojoWithoutKryo(FunnelDelta.class);
    }
}
