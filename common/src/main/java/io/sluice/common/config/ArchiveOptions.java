package io.sluice.common.config;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** {@code archive:}, every change as Parquet, for replay and lineage. */
public final class ArchiveOptions {
    private ArchiveOptions() {}

    public static final ConfigOption<String> PATH =
            ConfigOptions.key("archive.path")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "Where the analytics job archives every change as Parquet"
                                    + " (file:///dir or s3://bucket/prefix); empty turns the"
                                    + " archive off.");

    public static final ConfigOption<String> S3_ENDPOINT =
            ConfigOptions.key("archive.s3.endpoint")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "S3-compatible endpoint (e.g. http://minio:9000) when running on a"
                                    + " local MiniCluster; on a cluster set s3.endpoint in Flink's"
                                    + " config.yaml. Credentials come from"
                                    + " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.");

    public static final ConfigOption<Boolean> S3_PATH_STYLE_ACCESS =
            ConfigOptions.key("archive.s3.path-style-access")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Path-style S3 URLs (most self-hosted S3 servers need this).");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(PATH, ArchiveOptions::checkPath),
                    OptionRule.optional(S3_ENDPOINT),
                    OptionRule.optional(S3_PATH_STYLE_ACCESS));

    private static void checkPath(String path, List<String> problems) {
        if (!path.isEmpty() && !path.matches("(file:///|s3a?://[^/]+).*")) {
            problems.add("must be file:///absolute/dir or s3://bucket/prefix, got '" + path + "'");
        }
    }
}
