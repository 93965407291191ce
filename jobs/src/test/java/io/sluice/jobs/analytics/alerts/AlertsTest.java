package io.sluice.jobs.analytics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.model.ActiveUsersDailyRow;
import io.sluice.jobs.analytics.model.ErrorsRow;
import io.sluice.jobs.analytics.setup.OperationalTables;
import org.junit.jupiter.api.Test;

/** The rollup rows as the rules' buckets, read back from the rows the sink receives. */
class AlertsTest {
    @Test
    void anErrorsRowIsABucketOfItsServiceVersion() {
        AlertInput in =
                Alerts.errorRateInput(
                        new ErrorsRow(
                                        OperationalTables.ERRORS_1M,
                                        1_795_168_860_000L,
                                        "billing",
                                        "2.4",
                                        40,
                                        3,
                                        77)
                                .encode());
        assertThat(in.rule).isEqualTo("error_rate");
        assertThat(in.key).isEqualTo("billing@2.4");
        assertThat(in.bucketStartMs).isEqualTo(1_795_168_860_000L);
        assertThat(in.counts).containsExactly(40, 3);
        assertThat(in.version).isEqualTo(77);
    }

    @Test
    void anActiveUsersRowIsABucketOfItsDay() {
        AlertInput in = Alerts.dauInput(new ActiveUsersDailyRow(20_777, 120, 300, 900, 5).encode());
        assertThat(in.rule).isEqualTo("dau_drop");
        assertThat(in.key).isEmpty();
        assertThat(in.bucketStartMs).isEqualTo(20_777L * 86_400_000L);
        assertThat(in.counts).containsExactly(120);
        assertThat(in.version).isEqualTo(5);
    }
}
