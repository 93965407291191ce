package io.sluice.jobs.analytics.alerts;

/**
 * One bucket of a rule's series, as its rollup row last wrote it: the rule, the alert key, the
 * bucket's start, its counts and the row's version (a newer row of the bucket replaces it).
 */
public class AlertInput {
    public String rule;
    public String key;
    public long bucketStartMs;
    public long[] counts;
    public long version;

    public AlertInput() {}

    public AlertInput(String rule, String key, long bucketStartMs, long[] counts, long version) {
        this.rule = rule;
        this.key = key;
        this.bucketStartMs = bucketStartMs;
        this.counts = counts;
        this.version = version;
    }

    /** The operator's key: rule and alert key. */
    public String ruleKey() {
        return rule + "\u0000" + key;
    }

    @Override
    public String toString() {
        return rule + "/" + key + "@" + bucketStartMs + " " + java.util.Arrays.toString(counts);
    }
}
