package io.sluice.jobs.analytics.backfill;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojo;

import org.junit.jupiter.api.Test;

/** What the chunk source emits crosses chained operators by copy: a POJO, not Kryo. */
class ChunkReadTest {
    @Test
    void isSerializedAsAPojo() {
        assertSerializedAsPojo(ChunkRead.class);
    }
}
