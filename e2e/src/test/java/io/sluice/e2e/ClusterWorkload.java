package io.sluice.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Users who each act every 1 to 44 minutes (so sessions, with a 30-minute gap, both continue and
 * break), written in time order in small transactions.
 */
final class ClusterWorkload {
    static final int USERS = 300;
    static final String[] NAMES = {"page_view", "click", "search", "signup"};
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private final Connection pg;
    private final Random random;
    private final Map<Integer, Instant> next = new HashMap<>();
    private final List<UUID> recent = new ArrayList<>();
    int deleted;
    int corrected;

    ClusterWorkload(Connection pg, Random random, Instant start) {
        this.pg = pg;
        this.random = random;
        for (int u = 1; u <= USERS; u++) {
            next.put(u, start.plusSeconds(random.nextInt(3600)));
        }
    }

    void createTables() throws Exception {
        try (Statement st = pg.createStatement()) {
            st.execute(Files.readString(ROOT.resolve("sql/postgres/01_schema.sql")));
            st.execute(
                    "INSERT INTO users (user_id, email) SELECT u, 'user' || u || '@example.com'"
                            + " FROM generate_series(1, "
                            + USERS
                            + ") u");
        }
    }

    /** {@code n} events of random users at about now (between stop/restore cycles). */
    void insertNow(int n) throws Exception {
        try (PreparedStatement insert =
                pg.prepareStatement(
                        "INSERT INTO events (event_id, user_id, occurred_at, event_name,"
                                + " properties) VALUES (?, ?, ?, ?, '{}')")) {
            for (int i = 0; i < n; i++) {
                insert.setObject(1, new UUID(random.nextLong(), random.nextLong()));
                insert.setLong(2, 1 + random.nextInt(USERS));
                insert.setTimestamp(
                        3, Timestamp.from(Instant.now().minusSeconds(random.nextInt(60))));
                insert.setString(4, NAMES[random.nextInt(NAMES.length)]);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Every event before {@code end}, in time order; with corrections and deletes if asked. */
    void writeUntil(Instant end, boolean correct) throws Exception {
        List<Object[]> events = new ArrayList<>();
        for (int u = 1; u <= USERS; u++) {
            Instant t = next.get(u);
            while (t.isBefore(end)) {
                events.add(new Object[] {t, u});
                long gap = 60 + random.nextInt(43 * 60);
                if (gap == 1800) {
                    gap++; // never exactly the session gap
                }
                t = t.plusSeconds(gap);
            }
            next.put(u, t);
        }
        events.sort((a, b) -> ((Instant) a[0]).compareTo((Instant) b[0]));
        pg.setAutoCommit(false);
        try (PreparedStatement insert =
                pg.prepareStatement(
                        "INSERT INTO events (event_id, user_id, occurred_at, event_name,"
                                + " properties) VALUES (?, ?, ?, ?, '{}')")) {
            for (int i = 0; i < events.size(); i++) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                insert.setObject(1, id);
                insert.setLong(2, (Integer) events.get(i)[1]);
                insert.setTimestamp(3, Timestamp.from((Instant) events.get(i)[0]));
                insert.setString(4, NAMES[random.nextInt(NAMES.length)]);
                insert.addBatch();
                recent.add(id);
                if (i % 200 == 199 || i == events.size() - 1) {
                    insert.executeBatch();
                    if (correct) {
                        correctSome();
                    }
                    pg.commit();
                    Thread.sleep(20); // paces the stream so it interleaves with the job
                }
            }
        } finally {
            pg.setAutoCommit(true);
        }
        if (!correct) {
            recent.clear(); // only events written after the upgrade are corrected
        }
    }

    /** Renames one and deletes another of the last 200 events (well within lateness). */
    private void correctSome() throws Exception {
        if (recent.size() < 2) {
            return;
        }
        try (PreparedStatement rename =
                        pg.prepareStatement("UPDATE events SET event_name = ? WHERE event_id = ?");
                PreparedStatement delete =
                        pg.prepareStatement("DELETE FROM events WHERE event_id = ?")) {
            rename.setString(1, NAMES[random.nextInt(NAMES.length)] + "_v2");
            rename.setObject(2, recentOne());
            corrected += rename.executeUpdate();
            delete.setObject(1, recentOne());
            deleted += delete.executeUpdate();
        }
    }

    private UUID recentOne() {
        int window = Math.min(recent.size(), 200);
        return recent.remove(recent.size() - 1 - random.nextInt(window));
    }
}
