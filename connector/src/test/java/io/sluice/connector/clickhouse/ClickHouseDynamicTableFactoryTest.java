package io.sluice.connector.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connector.clickhouse.sink.ClickHouseUpsertSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * The factory as the planner calls it ({@link FactoryUtil#createDynamicTableSink}, the pattern of
 * flink-connector-jdbc's factory tests): the options it accepts and every message it rejects a
 * table with.
 */
class ClickHouseDynamicTableFactoryTest {
    private static final ResolvedSchema SCHEMA =
            new ResolvedSchema(
                    List.of(
                            Column.physical("customer_id", DataTypes.BIGINT().notNull()),
                            Column.physical("orders", DataTypes.BIGINT()),
                            Column.physical("total", DataTypes.DECIMAL(12, 2))),
                    List.of(),
                    UniqueConstraint.primaryKey("pk", List.of("customer_id")));

    private static Map<String, String> options() {
        Map<String, String> o = new HashMap<>();
        o.put("connector", "clickhouse");
        o.put("url", "http://clickhouse:8123");
        o.put("database", "analytics");
        o.put("table-name", "customer_totals");
        return o;
    }

    private static DynamicTableSink createSink(ResolvedSchema schema, Map<String, String> options) {
        CatalogTable table =
                CatalogTable.of(
                        Schema.newBuilder().fromResolvedSchema(schema).build(),
                        "",
                        List.of(),
                        options);
        return FactoryUtil.createDynamicTableSink(
                null,
                ObjectIdentifier.of("default_catalog", "default_database", "sink"),
                new ResolvedCatalogTable(table, schema),
                new Configuration(),
                ClickHouseDynamicTableFactoryTest.class.getClassLoader(),
                false);
    }

    /** The messages of the exception and all its causes, one per line. */
    private static String messages(Throwable t) {
        List<String> all = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.add(c.getMessage());
        }
        return String.join("\n", all);
    }

    private static void assertRejected(
            ResolvedSchema schema, Map<String, String> options, String... fragments) {
        assertThatThrownBy(() -> createSink(schema, options))
                .satisfies(e -> assertThat(messages(e)).contains(fragments));
    }

    @Test
    void isFoundByItsIdentifier() {
        assertThat(
                        FactoryUtil.discoverFactory(
                                getClass().getClassLoader(),
                                DynamicTableSinkFactory.class,
                                "clickhouse"))
                .isInstanceOf(ClickHouseDynamicTableFactory.class);
    }

    @Test
    void createsAnUpsertSinkWithTheDefaults() {
        ClickHouseDynamicTableSink sink =
                (ClickHouseDynamicTableSink) createSink(SCHEMA, options());

        assertThat(sink.getChangelogMode(ChangelogMode.all())).isEqualTo(ChangelogMode.upsert());
        assertThat(sink.getChangelogMode(ChangelogMode.all()).contains(RowKind.UPDATE_BEFORE))
                .isFalse();
        assertThat(sink.table().database()).isEqualTo("analytics");
        assertThat(sink.table().table()).isEqualTo("customer_totals");
        assertThat(sink.table().columns()).containsExactly("customer_id", "orders", "total");
        assertThat(sink.table().keyColumns()).containsExactly("customer_id");
        assertThat(sink.settings().batchRows()).isEqualTo(10_000);
        assertThat(sink.settings().flushIntervalMs()).isEqualTo(1_000);
        assertThat(sink.settings().maxRetries()).isEqualTo(6);
        assertThat(sink.parallelism()).isNull();
        assertThat(sink.endpoint().username(name -> null)).isEqualTo("default");
        assertThat(sink.endpoint().password(name -> null))
                .as("the default password variable may be unset")
                .isEmpty();
        assertThat(
                        sink.endpoint()
                                .password(
                                        name ->
                                                name.equals("SLUICE_CLICKHOUSE_PASSWORD")
                                                        ? "s3cret"
                                                        : null))
                .isEqualTo("s3cret");
        SinkV2Provider provider = (SinkV2Provider) sink.getSinkRuntimeProvider(new NoContext());
        assertThat(provider.createSink()).isInstanceOf(ClickHouseUpsertSink.class);
    }

    @Test
    void takesItsOptions() {
        Map<String, String> o = options();
        o.put("url", "https://ch.example.com:8443/");
        o.put("username", "writer");
        o.put("username-env", "CH_USER");
        o.put("password-env", "CH_PASSWORD");
        o.put("sink.batch-rows", "500");
        o.put("sink.flush-interval", "250 ms");
        o.put("sink.max-retries", "0");
        o.put("sink.parallelism", "2");
        ClickHouseDynamicTableSink sink = (ClickHouseDynamicTableSink) createSink(SCHEMA, o);

        assertThat(sink.endpoint().url()).isEqualTo("https://ch.example.com:8443/");
        assertThat(sink.settings().batchRows()).isEqualTo(500);
        assertThat(sink.settings().flushIntervalMs()).isEqualTo(250);
        assertThat(sink.settings().maxRetries()).isZero();
        assertThat(sink.parallelism()).isEqualTo(2);
        assertThat(sink.endpoint().username(name -> null)).isEqualTo("writer");
        assertThat(sink.endpoint().username(name -> name.equals("CH_USER") ? "env-user" : null))
                .isEqualTo("env-user");
        assertThat(sink.endpoint().password(name -> name.equals("CH_PASSWORD") ? "pw" : null))
                .isEqualTo("pw");
        assertThatThrownBy(() -> sink.endpoint().password(name -> null))
                .hasMessageContaining("'password-env' names the environment variable CH_PASSWORD")
                .hasMessageContaining("not set");
    }

    @Test
    void rejectsAMissingUrl() {
        Map<String, String> o = options();
        o.remove("url");
        assertRejected(SCHEMA, o, "Missing required options", "url");
    }

    @Test
    void rejectsUrlsThatAreNotTheHttpInterface() {
        for (String[] c :
                new String[][] {
                    {"jdbc:clickhouse://ch:8123/db", "must use http or https"},
                    {"ch:8123", "must use http or https"},
                    {"tcp://ch:9000", "must use http or https"},
                    {"http://ch:8123/analytics", "must have no path or query"},
                    {"http://ch:8123?user=x", "must have no path or query"},
                    {"http:// bad host", "is not a URL"},
                }) {
            Map<String, String> o = options();
            o.put("url", c[0]);
            assertRejected(SCHEMA, o, "Option 'url'", c[1], "'" + c[0] + "'");
        }
    }

    @Test
    void rejectsCredentialsInTheUrlWithoutRepeatingThem() {
        Map<String, String> o = options();
        o.put("url", "http://admin:s3cret@ch:8123");
        // Flink's own wrapper message lists the table's options as given (one more reason to keep
        // credentials out of DDL); the connector's message does not repeat them.
        assertThatThrownBy(() -> createSink(SCHEMA, o))
                .satisfies(
                        e -> {
                            Throwable root = e;
                            while (root.getCause() != null) {
                                root = root.getCause();
                            }
                            assertThat(root.getMessage())
                                    .contains("Option 'url'", "must not carry credentials")
                                    .doesNotContain("s3cret");
                        });
    }

    @Test
    void rejectsAPasswordOption() {
        Map<String, String> o = options();
        o.put("password", "s3cret");
        assertRejected(
                SCHEMA, o, "takes no 'password' option", "'password-env'", "SLUICE_CLICKHOUSE");
    }

    @Test
    void rejectsBadBatchRows() {
        Map<String, String> o = options();
        o.put("sink.batch-rows", "0");
        assertRejected(SCHEMA, o, "Option 'sink.batch-rows'", "1 or more", "but was '0'");
        o.put("sink.batch-rows", "-5");
        assertRejected(SCHEMA, o, "Option 'sink.batch-rows'", "but was '-5'");
        o.put("sink.batch-rows", "many");
        assertRejected(SCHEMA, o, "sink.batch-rows", "many");
    }

    @Test
    void rejectsABadFlushIntervalAndRetries() {
        Map<String, String> o = options();
        o.put("sink.flush-interval", "0 s");
        assertRejected(SCHEMA, o, "Option 'sink.flush-interval'", "positive duration");
        o = options();
        o.put("sink.max-retries", "-1");
        assertRejected(SCHEMA, o, "Option 'sink.max-retries'", "but was '-1'");
    }

    @Test
    void rejectsUnknownOptions() {
        Map<String, String> o = options();
        o.put("sink.buffer-flush.max-rows", "10");
        assertRejected(SCHEMA, o, "Unsupported options", "sink.buffer-flush.max-rows");
    }

    @Test
    void rejectsATableWithoutPrimaryKey() {
        ResolvedSchema noKey =
                ResolvedSchema.of(
                        Column.physical("customer_id", DataTypes.BIGINT()),
                        Column.physical("orders", DataTypes.BIGINT()));
        assertRejected(noKey, options(), "upsert sink", "PRIMARY KEY (...) NOT ENFORCED");
    }

    @Test
    void rejectsUnsupportedTypesNamingTheColumn() {
        ResolvedSchema withArray =
                new ResolvedSchema(
                        List.of(
                                Column.physical("id", DataTypes.INT().notNull()),
                                Column.physical("tags", DataTypes.ARRAY(DataTypes.STRING()))),
                        List.of(),
                        UniqueConstraint.primaryKey("pk", List.of("id")));
        assertRejected(withArray, options(), "Column 'tags'", "ARRAY<STRING>", "cannot write");
    }

    @Test
    void rejectsTheReservedColumnNames() {
        ResolvedSchema reserved =
                new ResolvedSchema(
                        List.of(
                                Column.physical("id", DataTypes.INT().notNull()),
                                Column.physical("_version", DataTypes.BIGINT())),
                        List.of(),
                        UniqueConstraint.primaryKey("pk", List.of("id")));
        assertRejected(reserved, options(), "Column '_version' is reserved");
    }

    /** The planner's context: unused by this sink's provider. */
    private static final class NoContext implements DynamicTableSink.Context {
        @Override
        public boolean isBounded() {
            return false;
        }

        @Override
        public <T> TypeInformation<T> createTypeInformation(DataType consumedDataType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> TypeInformation<T> createTypeInformation(LogicalType consumedLogicalType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DynamicTableSink.DataStructureConverter createDataStructureConverter(
                DataType consumedDataType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Optional<int[][]> getTargetColumns() {
            return java.util.Optional.empty();
        }
    }
}
