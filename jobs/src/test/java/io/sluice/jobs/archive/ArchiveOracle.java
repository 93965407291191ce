package io.sluice.jobs.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * Reads the Parquet archive with parquet-hadoop's own example reader (no Flink, no Avro) and checks
 * it against SQL over the Postgres source: no change archived twice, and the changes of each row,
 * applied in WAL order, end in the row Postgres holds now.
 */
public final class ArchiveOracle {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One archived change as the independent reader sees it. */
    public record Archived(String file, String table, String op, long lsn, String rowJson) {}

    private final List<Archived> changes;
    private final List<Path> files;

    private ArchiveOracle(List<Archived> changes, List<Path> files) {
        this.changes = changes;
        this.files = files;
    }

    /** Every committed part file under {@code root} (in-progress files are not named so). */
    public static ArchiveOracle read(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files =
                    walk.filter(Files::isRegularFile)
                            .filter(p -> p.getFileName().toString().matches("changes-.*\\.parquet"))
                            .sorted()
                            .toList();
        }
        List<Archived> changes = new ArrayList<>();
        for (Path f : files) {
            try (ParquetReader<Group> reader =
                    ParquetReader.builder(
                                    new GroupReadSupport(),
                                    new org.apache.hadoop.fs.Path(f.toUri()))
                            .build()) {
                for (Group g = reader.read(); g != null; g = reader.read()) {
                    changes.add(
                            new Archived(
                                    root.relativize(f).toString(),
                                    g.getString("table", 0),
                                    g.getString("op", 0),
                                    g.getLong("lsn", 0),
                                    g.getString("row_json", 0)));
                }
            }
        }
        return new ArchiveOracle(changes, files);
    }

    public List<Archived> changes() {
        return changes;
    }

    public List<Path> files() {
        return files;
    }

    /** Changes archived more than once (same table, operation, LSN and row). */
    public List<String> duplicates() {
        Map<String, Integer> seen = new HashMap<>();
        for (Archived a : changes) {
            seen.merge(a.table + " " + a.op + " " + a.lsn + " " + a.rowJson, 1, Integer::sum);
        }
        return seen.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(e -> e.getValue() + "x " + e.getKey())
                .sorted()
                .toList();
    }

    /**
     * The rows of {@code table} after applying its archived changes in WAL order (snapshot rows
     * first), keyed by {@code keyColumn}, each as the listed columns joined by '|'.
     */
    public Map<String, String> finalRows(String table, String keyColumn, List<String> columns)
            throws IOException {
        List<Archived> ofTable =
                new ArrayList<>(changes.stream().filter(a -> a.table.equals(table)).toList());
        ofTable.sort((x, y) -> Long.compare(x.lsn, y.lsn));
        Map<String, String> rows = new TreeMap<>();
        for (Archived a : ofTable) {
            JsonNode row = JSON.readTree(a.rowJson);
            String key = row.get(keyColumn).asText();
            if (a.op.equals("DELETE")) {
                rows.remove(key);
            } else {
                List<String> values = new ArrayList<>();
                for (String c : columns) {
                    JsonNode v = row.get(c);
                    values.add(v == null || v.isNull() ? "" : normalize(v.asText()));
                }
                rows.put(key, String.join("|", values));
            }
        }
        return rows;
    }

    /**
     * The same view of a Postgres table: {@code expressions} are SQL, one per column of {@link
     * #finalRows} (timestamps rendered as ISO-8601 UTC, see {@link #isoUtc}).
     */
    public static Map<String, String> sourceRows(
            Connection pg, String table, String keyColumn, List<String> expressions)
            throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT "
                                        + keyColumn
                                        + "::text, "
                                        + String.join(", ", expressions)
                                        + " FROM "
                                        + table)) {
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < expressions.size(); i++) {
                    String v = rs.getString(i + 2);
                    values.add(v == null ? "" : normalize(v));
                }
                rows.put(rs.getString(1), String.join("|", values));
            }
        }
        return rows;
    }

    /** A timestamptz column as ISO-8601 UTC text. */
    public static String isoUtc(String column) {
        return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    }

    private static String normalize(String text) {
        // Instants print as ISO-8601 in both views; parse to drop formatting differences.
        if (text.matches("\\d{4}-\\d\\d-\\d\\dT.*Z")) {
            return Instant.parse(text).toString();
        }
        return text;
    }
}
