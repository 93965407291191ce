package io.sluice.jobs.archive;

import io.sluice.common.change.ChangeJson;
import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecordSerializer;
import io.sluice.common.config.ArchiveOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.formats.parquet.avro.AvroParquetWriters;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The Parquet archive: every captured change (after PII hashing), written by Flink's {@link
 * FileSink} under {@code <archive.path>/<schema.table>/dt=YYYY-MM-DD/hour=HH/} (the UTC hour in
 * which it was archived). Part files roll on every checkpoint and become visible only when that
 * checkpoint completes, so a failure and restore neither loses nor repeats a streamed change.
 * Snapshot rows are at-least-once: after a restore during the snapshot, Flink CDC reads the chunks
 * it had not acknowledged again, so an identical {@code SNAPSHOT} row (same row, same lsn) can be
 * archived twice.
 *
 * <p>One schema for every table, so that additive schema changes need no new file layout:
 *
 * <pre>
 * table              string          schema.table
 * op                 string          SNAPSHOT | INSERT | UPDATE | DELETE
 * lsn                long            WAL position of the change, 0 for snapshot rows
 * row_json           string          the row (for a delete: its key) as a JSON object
 * unchanged_columns  array&lt;string&gt;   TOASTed columns the change did not carry
 * change             bytes           the change in Sluice's own encoding, for exact replay
 * </pre>
 */
public final class ChangeArchive {
    public static final Schema SCHEMA =
            SchemaBuilder.record("Change")
                    .namespace("io.sluice.archive")
                    .fields()
                    .requiredString("table")
                    .requiredString("op")
                    .requiredLong("lsn")
                    .requiredString("row_json")
                    .name("unchanged_columns")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .requiredBytes("change")
                    .endRecord();

    private ChangeArchive() {}

    /** Adds the archive to a job when {@code archive.path} is set. */
    public static void attach(DataStream<ChangeRecord> changes, SluiceConfig config) {
        String path = config.get(ArchiveOptions.PATH);
        if (path.isEmpty()) {
            return;
        }
        initializeS3(config);
        if (path.startsWith("s3")) {
            initializeAwsMetrics();
        }
        int parallelism = config.get(JobOptions.PARALLELISM);
        changes.map(new Encode())
                .returns(new GenericRecordAvroTypeInfo(SCHEMA))
                .name("archive-encode")
                .uid("archive-encode")
                .setParallelism(parallelism)
                .sinkTo(sink(path))
                .name("parquet-archive")
                .uid("parquet-archive")
                .setParallelism(parallelism);
    }

    static FileSink<GenericRecord> sink(String path) {
        return FileSink.forBulkFormat(new Path(path), AvroParquetWriters.forGenericRecord(SCHEMA))
                .withBucketAssigner(new TableHourBuckets())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("changes")
                                .withPartSuffix(".parquet")
                                .build())
                .build();
    }

    /**
     * On a local MiniCluster the job's JVM is the cluster: give Flink's S3 file system the endpoint
     * here. A real cluster reads {@code s3.endpoint} from its own config.yaml.
     */
    public static void initializeS3(SluiceConfig config) {
        String endpoint = config.get(ArchiveOptions.S3_ENDPOINT);
        if (endpoint.isEmpty()) {
            return;
        }
        Configuration fs = new Configuration();
        fs.setString("s3.endpoint", endpoint);
        fs.setString(
                "s3.path.style.access",
                String.valueOf(config.get(ArchiveOptions.S3_PATH_STYLE_ACCESS)));
        // Do not delete parent "directory" markers after each file (Hadoop 3.4's default, and
        // AWS's advice): the bulk delete it issues stalls S3-compatible servers without it.
        fs.setString("s3.directory.marker.retention", "keep");
        FileSystem.initialize(fs, null);
    }

    /**
     * Runs the static initializer of the AWS SDK class that every S3 request touches, here, on the
     * thread that builds the job. Otherwise it runs in the task that makes the JVM's first upload.
     * On a local MiniCluster (the S3 file system on the class path, no plugin) that class
     * initializer asks commons-logging for the thread's context class loader, which is the task's
     * user-code loader. If the task is being torn down at that moment (a failover), the loader is
     * closed, the initializer fails, and the class is unusable for the rest of the JVM: every later
     * upload, and so every checkpoint of the archive, fails ("Could not initialize class
     * com.amazonaws.util.AWSRequestMetricsFullSupport"). A CI run met this once.
     */
    static void initializeAwsMetrics() {
        try {
            Class.forName(
                    "com.amazonaws.util.AWSRequestMetricsFullSupport",
                    true,
                    ChangeArchive.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError notHere) {
            // A real cluster loads the S3 file system as a plugin, in a class loader of its own
            // that is never closed; the jobs jar does not carry it.
        }
    }

    /** The archived form of a change. */
    public static GenericRecord encode(ChangeRecord c) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("table", c.table().toString());
        r.put("op", c.op().name());
        r.put("lsn", c.lsn());
        r.put("row_json", json(c.values()));
        r.put("unchanged_columns", new ArrayList<>(c.unchangedColumns()));
        DataOutputSerializer out = new DataOutputSerializer(256);
        try {
            ChangeRecordSerializer.INSTANCE.serialize(c, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        r.put("change", ByteBuffer.wrap(out.getCopyOfBuffer()));
        return r;
    }

    /** The change an archived record holds. */
    public static ChangeRecord decode(GenericRecord r) {
        ByteBuffer b = (ByteBuffer) r.get("change");
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        try {
            return ChangeRecordSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("an archived change could not be decoded", e);
        }
    }

    /** The table an archived record belongs to. */
    public static TableId table(GenericRecord r) {
        return TableId.parse(r.get("table").toString());
    }

    static String json(Map<String, Object> values) {
        return ChangeJson.of(values);
    }

    /** Changes into their archived form (chained to the source). */
    static final class Encode implements MapFunction<ChangeRecord, GenericRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public GenericRecord map(ChangeRecord c) {
            return encode(c);
        }
    }

    /** {@code schema.table/dt=YYYY-MM-DD/hour=HH}, by the UTC hour a change is archived in. */
    static final class TableHourBuckets implements BucketAssigner<GenericRecord, String> {
        private static final long serialVersionUID = 1L;
        private static final DateTimeFormatter HOUR =
                DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH").withZone(ZoneOffset.UTC);

        @Override
        public String getBucketId(GenericRecord r, Context context) {
            return r.get("table")
                    + "/"
                    + HOUR.format(Instant.ofEpochMilli(context.currentProcessingTime()));
        }

        @Override
        public SimpleVersionedSerializer<String> getSerializer() {
            return SimpleVersionedStringSerializer.INSTANCE;
        }
    }
}
