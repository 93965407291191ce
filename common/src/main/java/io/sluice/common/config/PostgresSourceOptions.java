package io.sluice.common.config;

import static io.sluice.common.config.Checks.lowerCaseIdentifier;
import static io.sluice.common.config.Checks.positive;
import static io.sluice.common.config.Checks.positiveDuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** {@code postgres:}, the source database: where it is, what to capture and through which slot. */
public final class PostgresSourceOptions {
    private PostgresSourceOptions() {}

    /** What a run restoring state does when its replication slot cannot serve it. */
    public enum OnSlotLoss {
        /** Stop, and say how to resync. */
        FAIL,
        /** Start over from a new snapshot, retiring what ClickHouse holds. */
        RESYNC;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final ConfigOption<String> HOST =
            ConfigOptions.key("postgres.host")
                    .stringType()
                    .defaultValue("127.0.0.1")
                    .withDescription("Postgres host name or address.");

    public static final ConfigOption<Integer> PORT =
            ConfigOptions.key("postgres.port")
                    .intType()
                    .defaultValue(5432)
                    .withDescription("Postgres port.");

    public static final ConfigOption<String> DATABASE =
            ConfigOptions.key("postgres.database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Database holding the captured tables.");

    public static final ConfigOption<String> USER =
            ConfigOptions.key("postgres.user")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "User with the REPLICATION attribute and SELECT on the tables.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("postgres.password")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "Password; write it as ${ENV_VAR} so the secret stays in the"
                                    + " environment.");

    public static final ConfigOption<String> SLOT =
            ConfigOptions.key("postgres.slot")
                    .stringType()
                    .defaultValue("sluice")
                    .withDescription(
                            "Logical replication slot (pgoutput). One per running job; it outlives"
                                    + " the job, drop it when you retire the pipeline.");

    public static final ConfigOption<String> PUBLICATION =
            ConfigOptions.key("postgres.publication")
                    .stringType()
                    .defaultValue("sluice")
                    .withDescription(
                            "Publication Sluice creates (or extends) for exactly the captured"
                                    + " tables.");

    public static final ConfigOption<List<String>> TABLES =
            ConfigOptions.key("postgres.tables")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Tables to capture, as schema.table (schema defaults to public).");

    public static final ConfigOption<Integer> SNAPSHOT_CHUNK_SIZE =
            ConfigOptions.key("postgres.snapshot-chunk-size")
                    .intType()
                    .defaultValue(8096)
                    .withDescription(
                            "Rows per incremental-snapshot chunk (a chunk is the unit of snapshot"
                                    + " progress).");

    public static final ConfigOption<Duration> HEARTBEAT_INTERVAL =
            ConfigOptions.key("postgres.heartbeat-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDeprecatedKeys("postgres.heartbeat-interval-ms")
                    .withDescription(
                            "Heartbeat interval so an idle slot keeps advancing and WAL is"
                                    + " released.");

    public static final ConfigOption<OnSlotLoss> ON_SLOT_LOSS =
            ConfigOptions.key("postgres.on-slot-loss")
                    .enumType(OnSlotLoss.class)
                    .defaultValue(OnSlotLoss.FAIL)
                    .withDescription(
                            "What a run restoring state does when its replication slot cannot"
                                    + " serve it: the slot is gone (dropped, or lost in a"
                                    + " failover), or it has confirmed the WAL past the restored"
                                    + " state (a rollback to an older savepoint). fail: stop and"
                                    + " say how to resync; resync: start over from a new"
                                    + " snapshot, retiring what ClickHouse holds.");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(HOST),
                    OptionRule.optional(PORT, positive()),
                    OptionRule.required(DATABASE),
                    OptionRule.required(USER),
                    OptionRule.optional(PASSWORD),
                    OptionRule.optional(SLOT, lowerCaseIdentifier()),
                    OptionRule.optional(PUBLICATION, lowerCaseIdentifier()),
                    OptionRule.required(TABLES, PostgresSourceOptions::checkTables),
                    OptionRule.optional(SNAPSHOT_CHUNK_SIZE, positive()),
                    OptionRule.optional(HEARTBEAT_INTERVAL, positiveDuration()),
                    OptionRule.optional(ON_SLOT_LOSS));

    /** At least one table, each a table name, none twice. */
    private static void checkTables(List<String> tables, List<String> problems) {
        if (tables.isEmpty()) {
            problems.add("is empty: name at least one table to capture");
        }
        List<TableId> seen = new ArrayList<>();
        for (String name : tables) {
            TableId id = TableId.parse(name);
            if (id == null) {
                problems.add(
                        "entry '" + name + "' is not a table name: write schema.table or table");
            } else if (seen.contains(id)) {
                problems.add("names " + id + " twice");
            } else {
                seen.add(id);
            }
        }
    }
}
