package io.sluice.jobs.analytics.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;

/** The dedupe state's serializer: Flink's serializer contract, and what it restores from. */
class CleanEventSerializerTest extends SerializerTestBase<CleanEvent> {
    @Test
    void readsWhatThePojoSerializerWroteAfterMigrationAndItselfAsIs() {
        var pojo =
                TypeInformation.of(CleanEvent.class)
                        .createSerializer(new SerializerConfigImpl())
                        .snapshotConfiguration();
        var current = new CleanEventSerializer().snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(pojo).isCompatibleAfterMigration()).isTrue();
        assertThat(current.resolveSchemaCompatibility(current).isCompatibleAsIs()).isTrue();
    }

    @Override
    protected TypeSerializer<CleanEvent> createSerializer() {
        return new CleanEventSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<CleanEvent> getTypeClass() {
        return CleanEvent.class;
    }

    @Override
    protected CleanEvent[] getTestData() {
        CleanEvent full = new CleanEvent();
        full.eventId = "0b7c3f6e-6a8e-4bd4-9d0c-2f6f2a3c1d10";
        full.userId = "u-ü-7";
        full.occurredAtUs = -1_000L;
        full.eventName = "page_view";
        full.propertiesJson = "{\"path\":\"/ä\"}";
        full.promoted = new String[] {"pro", null, ""};
        full.counted = true;
        CleanEvent sparse = new CleanEvent();
        sparse.eventId = "e";
        return new CleanEvent[] {full, sparse, new CleanEvent()};
    }
}
