package io.sluice.jobs.mirror;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.ClickHouseSink;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import io.sluice.jobs.JobEnvironment;
import java.nio.file.Path;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Mirrors Postgres tables into ClickHouse: one Flink CDC source (one slot) over the configured
 * tables, keyed by table and primary key, into the ClickHouse sink.
 *
 * <p>Usage: {@code MirrorJob --config conf/sluice.yaml}
 */
public final class MirrorJob {
    private MirrorJob() {}

    public static void main(String[] args) throws Exception {
        SluiceConfig config = ConfigLoader.load(Path.of(JobEnvironment.configPath(args)));
        Preflight.check(config);
        MirrorSetup.prepare(config);
        StreamExecutionEnvironment env = JobEnvironment.create(config);
        build(env, config, MirrorSource.create(config));
        env.execute("sluice-mirror");
    }

    /** Wires the topology; tests pass their own environment. */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Source<ChangeRecord, ?, ?> source) {
        DataStream<ChangeRecord> changes =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "postgres-cdc")
                        .uid("postgres-cdc-source")
                        .setParallelism(config.get(SluiceOptions.JOB_PARALLELISM));
        changes.keyBy(new RowKeySelector(new PostgresTableRouting(config)))
                .sinkTo(new ClickHouseSink(config, new PostgresTableRouting(config)))
                .name("clickhouse-mirror-sink")
                .uid("clickhouse-mirror-sink");
    }
}
