package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.CohortTables;

/**
 * A row of analytics.feature_adoption_weekly, keyed by {@code cohort_week|feature|week_n}: of the
 * users whose cohort is {@code cohortWeek}, how many first used {@code feature} in weeks {@code
 * cohortWeek} .. {@code cohortWeek + weekN} (cumulative adoption).
 *
 * @param cohortWeek the Monday of the cohort week, as days since the epoch
 * @param feature the event name, or the property value, that names the feature
 * @param weekN weeks after the cohort week, 0..12
 */
public record FeatureAdoptionWeeklyRow(
        long cohortWeek, String feature, long weekN, long cohortUsers, long adopters, long version)
        implements TableRow {

    static final RowEncoder<FeatureAdoptionWeeklyRow> ENCODER =
            RowEncoder.<FeatureAdoptionWeeklyRow>forTable(
                            CohortTables.FEATURE_ADOPTION_WEEKLY_TABLE)
                    .put("cohort_week", r -> AnalyticsTables.date(r.cohortWeek))
                    .put("feature", FeatureAdoptionWeeklyRow::feature)
                    .put("week_n", r -> Long.toString(r.weekN))
                    .put("cohort_users", r -> Long.toString(r.cohortUsers))
                    .put("adopters", r -> Long.toString(r.adopters))
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    /**
     * The key of a cohort's feature in week n: {@code yyyy-mm-dd|feature|n} (unambiguous though a
     * feature may hold {@code |}: the date has a fixed length and n follows the last {@code |}).
     */
    public static String key(long cohortWeek, String feature, long weekN) {
        return AnalyticsTables.date(cohortWeek) + "|" + feature + "|" + weekN;
    }

    @Override
    public String key() {
        return key(cohortWeek, feature, weekN);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
