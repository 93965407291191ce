package io.sluice.common.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Every area of {@code sluice.yaml}, in the order the docs list them. The options themselves are
 * Flink {@code ConfigOption}s declared per area ({@link PostgresSourceOptions}, {@link
 * ClickHouseSinkOptions}, {@link JobOptions}, {@link AnalyticsOptions}, {@link PiiOptions}, {@link
 * ArchiveOptions}); this class only lists the areas for the loader and the docs.
 */
public final class SluiceOptions {
    private SluiceOptions() {}

    /**
     * One area: its YAML section(s), what it configures (for the docs), the class declaring it, and
     * its options with their rules.
     */
    public record Area(
            String sections, String title, Class<?> declaredIn, List<OptionRule<?>> rules) {}

    public static final List<Area> AREAS =
            List.of(
                    new Area(
                            "postgres",
                            "the source database",
                            PostgresSourceOptions.class,
                            PostgresSourceOptions.RULES),
                    new Area(
                            "source, kafka",
                            "where the changes come from: a replication slot, or Kafka",
                            SourceOptions.class,
                            SourceOptions.RULES),
                    new Area(
                            "clickhouse, sink",
                            "the target, batching and retries",
                            ClickHouseSinkOptions.class,
                            ClickHouseSinkOptions.RULES),
                    new Area(
                            "job",
                            "Flink settings of the jobs",
                            JobOptions.class,
                            JobOptions.RULES),
                    new Area(
                            "analytics",
                            "the events source contract and the analytics job",
                            AnalyticsOptions.class,
                            AnalyticsOptions.RULES),
                    new Area("pii", "hashed at ingestion", PiiOptions.class, PiiOptions.RULES),
                    new Area(
                            "archive",
                            "every change as Parquet, for replay and lineage",
                            ArchiveOptions.class,
                            ArchiveOptions.RULES));

    /** Every option with its rule. */
    public static final List<OptionRule<?>> ALL = all();

    private static List<OptionRule<?>> all() {
        List<OptionRule<?>> all = new ArrayList<>();
        for (Area area : AREAS) {
            all.addAll(area.rules());
        }
        return List.copyOf(all);
    }
}
