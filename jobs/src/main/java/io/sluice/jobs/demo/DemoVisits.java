package io.sluice.jobs.demo;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The visits of the demo workload: one user's events in order, a few seconds (live) or minutes
 * (history) apart, shaped for the funnels of {@code conf/sluice.yaml}. A sign-up visit walks {@code
 * page_view{path=/pricing} > signup_started > signup_completed}, dropping out at each step, and
 * after a completed sign-up may go straight on to {@code feature_used > invite_sent} (the strict
 * activation funnel converts only when nothing comes in between). A returning visit views pages
 * (now and then /pricing, starting a signup attempt that does not convert), uses features and
 * sometimes invites. Every draw comes from the workload's seeded {@link Random}; event ids come
 * from the caller, since two runs with the same seed must not write the same ids.
 */
final class DemoVisits {
    static final String INSERT =
            "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                    + " VALUES (?, ?, ?, ?, ?::jsonb)";

    /** The values of feature_used's {@code feature} property, the most used first. */
    private static final String[] FEATURES = {"search", "search", "dashboards", "export"};

    /** One event of a visit, before it has a user and a time. */
    record Step(String eventName, String properties) {}

    private final Random random;

    DemoVisits(Random random) {
        this.random = random;
    }

    /** A first visit: the pricing page, then the sign-up funnel with drop-outs. */
    List<Step> signUp() {
        List<Step> visit = new ArrayList<>();
        visit.add(new Step("session_start", "{}"));
        visit.add(pageView("/"));
        visit.add(pageView("/pricing"));
        if (random.nextInt(100) < 80) {
            visit.add(new Step("signup_started", "{}"));
            if (random.nextInt(100) < 75) {
                visit.add(new Step("signup_completed", "{}"));
                if (random.nextInt(100) < 60) {
                    visit.add(featureUsed());
                    if (random.nextInt(100) < 50) {
                        visit.add(new Step("invite_sent", "{}"));
                    }
                } else {
                    visit.add(pageView("/onboarding"));
                }
            }
        }
        for (int i = random.nextInt(3); i > 0; i--) {
            visit.add(random.nextBoolean() ? featureUsed() : pageView("/p/" + random.nextInt(50)));
        }
        visit.add(new Step("session_end", "{}"));
        return visit;
    }

    /** A later visit: pages (sometimes /pricing), features, now and then an invitation. */
    List<Step> returning() {
        List<Step> visit = new ArrayList<>();
        visit.add(new Step("session_start", "{}"));
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            int r = random.nextInt(10);
            if (r == 0) {
                visit.add(pageView("/pricing"));
            } else if (r < 6) {
                visit.add(pageView("/p/" + random.nextInt(50)));
            } else {
                visit.add(featureUsed());
            }
        }
        if (random.nextInt(10) == 0) {
            visit.add(new Step("invite_sent", "{}"));
        }
        visit.add(new Step("session_end", "{}"));
        return visit;
    }

    /**
     * Adds the visit's events to {@code insert} (an {@link #INSERT}) for {@code user}, ids from
     * {@code ids}, the first at {@code start}, each next 1 to {@code maxGapMillis} ms after the one
     * before (never at the same time: events at one time are ordered by id, which would shuffle the
     * steps). Returns a time after the last event.
     */
    Instant add(
            PreparedStatement insert,
            long user,
            Instant start,
            List<Step> visit,
            long maxGapMillis,
            Supplier<UUID> ids)
            throws SQLException {
        Instant t = start;
        for (Step step : visit) {
            insert.setObject(1, ids.get());
            insert.setLong(2, user);
            insert.setObject(3, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
            insert.setString(4, step.eventName());
            insert.setString(5, step.properties());
            insert.addBatch();
            t = t.plusMillis(1 + (long) random.nextInt((int) maxGapMillis));
        }
        return t;
    }

    private Step pageView(String path) {
        return new Step(
                "page_view",
                "{\"path\": \"" + path + "\", \"latency_ms\": " + random.nextInt(900) + "}");
    }

    private Step featureUsed() {
        return new Step(
                "feature_used",
                "{\"feature\": \"" + FEATURES[random.nextInt(FEATURES.length)] + "\"}");
    }
}
