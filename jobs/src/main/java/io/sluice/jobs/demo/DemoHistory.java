package io.sluice.jobs.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Backdated history for the demo: users signing up over the last days (UTC), each coming back on
 * later days with a probability that decays over the weeks after sign-up and depends on the user's
 * engagement (about a third never return), so that the retention triangle and DAU/WAU/MAU over
 * weeks have a shape. Visits come from {@link DemoVisits}, between 06:00 and 22:00 UTC, today's at
 * least 30 minutes before now. The day before yesterday has 40 % of the usual returning visits (an
 * outage day: DAU drops by more than 20 %, and the {@code dau_drop} alert fires, then resolves the
 * day after); two hours of request traffic end shortly before now ({@link DemoRequests}).
 *
 * <p>It must be written before the analytics job starts: the job's snapshot counts every row it
 * finds, while a streamed event older than the watermark minus {@code analytics.repair-horizon} is
 * late and not counted. It is one transaction, so the snapshot sees all of it or none.
 */
final class DemoHistory {
    private static final int BATCH = 2_000;
    private static final Duration LAST_VISIT_BEFORE_NOW = Duration.ofMinutes(30);

    /** How many of the usual returning visits happen on the day before yesterday. */
    private static final double DIP = 0.4;

    private DemoHistory() {}

    /**
     * Writes {@code users} users numbered from {@code firstUser} (created_at their sign-up) and
     * their events over the {@code days} UTC days before today and today until shortly before
     * {@code now}; returns the number of events.
     */
    static long write(
            Connection pg,
            Random random,
            DemoVisits visits,
            long firstUser,
            int users,
            int days,
            Instant now)
            throws SQLException {
        LocalDate first = now.atZone(ZoneOffset.UTC).toLocalDate().minusDays(days);
        int[] signUpDay = new int[users];
        for (int i = 0; i < users; i++) {
            signUpDay[i] = random.nextInt(days);
        }
        Arrays.sort(signUpDay); // user ids rise with the sign-up time
        // Seeded event ids: the history is written once, into an empty events table.
        Supplier<UUID> ids = () -> new UUID(random.nextLong(), random.nextLong());
        return inOneTransaction(
                pg,
                () ->
                        writeRows(
                                pg, random, visits, firstUser, users, days, now, first, signUpDay,
                                ids));
    }

    private static long writeRows(
            Connection pg,
            Random random,
            DemoVisits visits,
            long firstUser,
            int users,
            int days,
            Instant now,
            LocalDate first,
            int[] signUpDay,
            Supplier<UUID> ids)
            throws SQLException {
        long events = 0;
        try (PreparedStatement user =
                        pg.prepareStatement(
                                "INSERT INTO users (user_id, email, plan, country, attributes,"
                                        + " created_at) VALUES (?, ?, 'free', ?, ?::jsonb, ?)");
                PreparedStatement event = pg.prepareStatement(DemoVisits.INSERT)) {
            int pending = 0;
            for (int i = 0; i < users; i++) {
                long id = firstUser + i;
                int r = random.nextInt(100);
                double engagement = r < 35 ? 0 : r < 80 ? 1.5 : 4;
                Instant signedUp = visitStart(random, first.plusDays(signUpDay[i]), now);
                user.setLong(1, id);
                user.setString(2, "user" + id + "@example.com");
                user.setString(3, DemoWorkload.COUNTRIES[random.nextInt(7)]);
                user.setString(
                        4, "{\"referrer\": \"" + (random.nextBoolean() ? "search" : "ad") + "\"}");
                user.setObject(5, OffsetDateTime.ofInstant(signedUp, ZoneOffset.UTC));
                user.addBatch();
                var visit = visits.signUp();
                visits.add(event, id, signedUp, visit, 90_000, ids);
                pending += visit.size();
                for (int d = signUpDay[i] + 1; d <= days; d++) {
                    double p = engagement * (0.025 + 0.12 * Math.exp(-(d - signUpDay[i]) / 9.0));
                    if (d == days - 2) {
                        p *= DIP; // the day before yesterday: an outage day (dau_drop fires)
                    }
                    if (random.nextDouble() >= Math.min(0.9, p)) {
                        continue;
                    }
                    for (int v = random.nextInt(5) == 0 ? 2 : 1; v > 0; v--) {
                        Instant start = visitStart(random, first.plusDays(d), now);
                        visit = visits.returning();
                        if (start != null) {
                            visits.add(event, id, start, visit, 90_000, ids);
                            pending += visit.size();
                        }
                    }
                }
                if (pending >= BATCH) {
                    event.executeBatch();
                    events += pending;
                    pending = 0;
                }
            }
            events += DemoRequests.write(event, random, firstUser, now, ids);
            event.executeBatch();
            events += pending;
            user.executeBatch();
        }
        return events;
    }

    /** Work on a connection that throws what JDBC throws. */
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, so that the analytics job's snapshot sees all of it or
     * none of it; rolled back when it fails.
     */
    static <T> T inOneTransaction(Connection pg, SqlWork<T> work) throws SQLException {
        boolean autoCommit = pg.getAutoCommit();
        pg.setAutoCommit(false);
        try {
            T result = work.run();
            pg.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            pg.rollback();
            throw e;
        } finally {
            pg.setAutoCommit(autoCommit);
        }
    }

    /**
     * A visit's start on {@code day} between 06:00 and 22:00 UTC (a visit lasts at most about 20
     * minutes, so it ends the same day), or null when that is not 30 minutes before {@code now}.
     */
    private static Instant visitStart(Random random, LocalDate day, Instant now) {
        Instant start =
                day.atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .plusSeconds(6 * 3600 + random.nextInt(16 * 3600));
        return start.isBefore(now.minus(LAST_VISIT_BEFORE_NOW)) ? start : null;
    }
}
