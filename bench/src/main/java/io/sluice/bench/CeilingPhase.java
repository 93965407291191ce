package io.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ceilings on the snapshot data: COPY to a file, a file into ClickHouse in large batches, and
 * COPY into ClickHouse as one streamed insert.
 */
final class CeilingPhase {
    private CeilingPhase() {}

    static void measure(BenchRun run) throws Exception {
        // Ceilings on the snapshot data.
        String chCeil = run.servers.clickhouse().newDatabase("bench_ceiling");
        Path tsv = run.work.resolve("events.tsv");
        run.ceilings.put(
                "copy_to_file_rows_per_s", Ceilings.copyToFile(run.servers, run.pgDb, tsv, run.n));
        run.ceilings.put(
                "clickhouse_insert_rows_per_s",
                Ceilings.clickHouseInsert(
                        run.servers, chCeil, tsv, run.n, (int) Math.min(run.n, 1_000_000)));
        run.ceilings.put(
                "copy_into_clickhouse_rows_per_s",
                Ceilings.copyIntoClickHouse(run.servers, run.pgDb, chCeil, run.n));
        Files.deleteIfExists(tsv);
        Bench.say("ceilings: %s", run.ceilings);
    }
}
