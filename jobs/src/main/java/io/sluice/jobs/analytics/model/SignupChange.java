package io.sluice.jobs.analytics.model;

import java.util.Objects;

/**
 * A change of one user's signup time, read from a change of the users table: the time as it is now
 * ({@link #signedUpAtUs}), or null when the user has none any more (the row was deleted, or its
 * time is NULL). The newest by {@link #lsn} is the user's current signup.
 *
 * <p>A POJO (public fields, no-arg constructor): Flink sends it to the user-keyed cohort operator
 * and keeps the newest one in its state with the POJO serializer.
 */
public class SignupChange {
    /** The user id as text, the same text as an event's user id. */
    public String userId;

    /** The signup time in epoch microseconds; null: the user is in no cohort. */
    public Long signedUpAtUs;

    /**
     * The LSN of the users-table change (the snapshot anchor for snapshot rows): the rows it moves
     * are re-emitted at a version no lower, and an older change never replaces a newer one.
     */
    public long lsn;

    public SignupChange() {}

    public SignupChange(String userId, Long signedUpAtUs, long lsn) {
        this.userId = userId;
        this.signedUpAtUs = signedUpAtUs;
        this.lsn = lsn;
    }

    /** Whether the user has a signup time (a users row with a non-NULL time). */
    public boolean signedUp() {
        return signedUpAtUs != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignupChange s
                && s.lsn == lsn
                && Objects.equals(s.userId, userId)
                && Objects.equals(s.signedUpAtUs, signedUpAtUs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, signedUpAtUs, lsn);
    }

    @Override
    public String toString() {
        return "signup of "
                + userId
                + (signedUpAtUs == null ? " gone" : " at " + signedUpAtUs)
                + " @"
                + lsn;
    }
}
