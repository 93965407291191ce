package io.sluice.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo workload's Postgres password comes from the environment, never the command line. */
class DemoWorkloadTest {
    private static DemoWorkload.Args args(String... a) {
        return new DemoWorkload.Args(a);
    }

    @Test
    void thePasswordIsReadFromTheEnvironment() {
        assertThat(
                        DemoWorkload.password(
                                args("--jdbc-url", "jdbc:postgresql://h/db", "--user", "u"),
                                Map.of("SLUICE_PG_PASSWORD", "s3cret")))
                .isEqualTo("s3cret");
        assertThat(DemoWorkload.password(args("--user", "u"), Map.of())).isEmpty();
    }

    @Test
    void aPasswordOnTheCommandLineIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(
                        () ->
                                DemoWorkload.password(
                                        args("--user", "u", "--password", "s3cret"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SLUICE_PG_PASSWORD")
                .hasMessageNotContaining("s3cret");
    }
}
