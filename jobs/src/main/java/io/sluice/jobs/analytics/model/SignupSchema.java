package io.sluice.jobs.analytics.model;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Where the users' signup times are (for {@code analytics.retention.cohort-by: signup}): the
 * captured users table and its user id and signup time columns, and how to read a {@link
 * SignupChange} from one of its change records.
 */
public final class SignupSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    final TableId table;
    public final String userId;
    public final String signedUpAt;

    public SignupSchema(TableId table, String userId, String signedUpAt) {
        this.table = table;
        this.userId = userId;
        this.signedUpAt = signedUpAt;
    }

    public static SignupSchema fromConfig(SluiceConfig config) {
        return new SignupSchema(
                TableId.parse(config.get(ProductAnalyticsOptions.USERS_TABLE)),
                config.get(ProductAnalyticsOptions.COLUMN_SIGNUP_USER_ID),
                config.get(ProductAnalyticsOptions.COLUMN_SIGNED_UP_AT));
    }

    public TableId table() {
        return table;
    }

    public boolean isUsersRow(ChangeRecord change) {
        return change.table().equals(table);
    }

    /**
     * The signup a users-table change leaves, or null when it says nothing about one: no user id
     * (NULL or empty, which no event has either), or an update that left the signup time untouched
     * (an unchanged TOASTed value, which a timestamp never is). A delete, and a NULL or unreadable
     * time, leave the user without a signup. The user id is the value's text, as {@code
     * EventParser} reads an event's user id (a bigint {@code 42} is {@code "42"}).
     */
    public SignupChange signup(ChangeRecord change) {
        Object user = change.values().get(userId);
        if (user == null || user.toString().isEmpty()) {
            return null;
        }
        if (change.isDelete()) {
            return new SignupChange(user.toString(), null, change.lsn());
        }
        if (change.unchangedColumns().contains(signedUpAt)) {
            return null;
        }
        return new SignupChange(
                user.toString(), micros(change.values().get(signedUpAt)), change.lsn());
    }

    /** A timestamp as {@link EventSchema} reads one; a {@code date} as its midnight in UTC. */
    static Long micros(Object v) {
        if (v instanceof LocalDate d) {
            return ChronoUnit.MICROS.between(
                    Instant.EPOCH, d.atStartOfDay(ZoneOffset.UTC).toInstant());
        }
        return EventSchema.micros(v);
    }
}
