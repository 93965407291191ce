package io.sluice.jobs.demo;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Backdated request traffic for the demo's operational tables and alerts: two hours of {@code
 * api_request} events from two services (8 a minute each), ending 40 minutes before now. In its
 * middle, billing 2.4 answers every fifth request with a 503 for 15 minutes: its error rate (20 %)
 * crosses the default 2 % over 5 minutes, so the {@code error_rate} alert fires and resolves. The
 * requests are made by one user (an API client), so they move DAU by one.
 */
final class DemoRequests {
    static final Duration SPAN = Duration.ofHours(2);
    private static final Duration END_BEFORE_NOW = Duration.ofMinutes(40);
    private static final String[] ENDPOINTS = {"/api/orders", "/api/users", "/api/search"};

    private DemoRequests() {}

    /** Adds the requests to {@code insert} (a {@link DemoVisits#INSERT}); returns how many. */
    static int write(
            PreparedStatement insert,
            java.util.Random random,
            long user,
            Instant now,
            Supplier<UUID> ids)
            throws SQLException {
        Instant end = now.minus(END_BEFORE_NOW).truncatedTo(ChronoUnit.MINUTES);
        Instant start = end.minus(SPAN);
        Instant burstStart = start.plus(Duration.ofMinutes(50));
        Instant burstEnd = burstStart.plus(Duration.ofMinutes(15));
        int n = 0;
        for (Instant minute = start; minute.isBefore(end); minute = minute.plusSeconds(60)) {
            for (int i = 0; i < 8; i++) {
                for (String service : new String[] {"api", "billing"}) {
                    Instant t = minute.plusMillis(i * 7_500L + random.nextInt(7_000));
                    boolean burst =
                            service.equals("billing")
                                    && !t.isBefore(burstStart)
                                    && t.isBefore(burstEnd);
                    int status = burst && i % 5 == 0 ? 503 : random.nextInt(40) == 0 ? 404 : 200;
                    String endpoint = ENDPOINTS[random.nextInt(ENDPOINTS.length)];
                    long latency =
                            (burst ? 400 : 20)
                                    + (long) Math.abs(random.nextGaussian() * (burst ? 600 : 60));
                    insert.setObject(1, ids.get());
                    insert.setLong(2, user);
                    insert.setObject(3, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
                    insert.setString(4, "api_request");
                    insert.setString(
                            5,
                            "{\"service\": \""
                                    + service
                                    + "\", \"version\": \""
                                    + (service.equals("api") ? "2.3" : "2.4")
                                    + "\", \"endpoint\": \""
                                    + endpoint
                                    + "\", \"status\": "
                                    + status
                                    + ", \"latency_ms\": "
                                    + latency
                                    + "}");
                    insert.addBatch();
                    n++;
                }
            }
        }
        return n;
    }
}
