package io.sluice.jobs.analytics.model;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import org.junit.jupiter.api.Test;

/**
 * The cohort operators' types in state and between keyed operators are serialized as POJOs, never
 * by Kryo, so savepoints survive a field being added (see {@link StateTypesTest}). The other state
 * of the cohort operators is primitive ({@code long}, {@code long[]}, {@code String}).
 */
class CohortStateTypesTest {
    @Test
    void cohortDeltaIsAPojo() {
        // User-cohort to cohort-weekly (keyed by cohort week); ValueState "cohort-contribution".
        assertSerializedAsPojoWithoutKryo(CohortDelta.class);
    }

    @Test
    void signupChangeIsAPojo() {
        // Signups to user-cohorts (keyed by user); ValueState "signup" (cohort-by: signup).
        assertSerializedAsPojoWithoutKryo(SignupChange.class);
    }
}
