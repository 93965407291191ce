/**
 * The analytics job and the backfill job ({@link io.sluice.jobs.analytics.AnalyticsJob}, {@link
 * io.sluice.jobs.analytics.BackfillJob}), and the types kept in their keyed state ({@link
 * io.sluice.jobs.analytics.CleanEvent}, {@link io.sluice.jobs.analytics.Session}, {@link
 * io.sluice.jobs.analytics.SessionEvent}).
 *
 * <p>The state types stay in this package on purpose: Flink's POJO serializer snapshot records the
 * class name, so moving one to another package would leave every existing checkpoint and savepoint
 * unrestorable. The rest is split by concern: {@code model} (stream and row types), {@code
 * operators}, {@code sink}, {@code setup} and {@code backfill}.
 */
package io.sluice.jobs.analytics;
