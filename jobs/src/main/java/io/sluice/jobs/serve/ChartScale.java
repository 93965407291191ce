package io.sluice.jobs.serve;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Reading cells as numbers and times, and choosing an axis' range and ticks, for {@link SvgCharts}.
 * A range always has a width: an empty, single-valued or all-equal range is widened, so no chart
 * divides by zero.
 */
final class ChartScale {
    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final long[] TIME_STEPS = {
        SECOND,
        5 * SECOND,
        15 * SECOND,
        30 * SECOND,
        MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
        30 * DAY,
        91 * DAY,
        365 * DAY,
        3650 * DAY
    };
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter TIME_SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** A range of an axis with its tick values; {@code lo < hi} always. */
    record Range(double lo, double hi, double step, List<Double> ticks) {
        /** Where {@code value} lies in the range, 0 at lo and 1 at hi. */
        double fraction(double value) {
            // halves: the differences of any two finite doubles stay finite
            return (value / 2 - lo / 2) / (hi / 2 - lo / 2);
        }
    }

    private ChartScale() {}

    /** The cell as a finite number, or null when it is null, NaN, infinite or not a number. */
    static Double number(Object cell) {
        double value;
        if (cell instanceof Number n) {
            value = n.doubleValue();
        } else if (cell instanceof CharSequence text) {
            try {
                value = Double.parseDouble(text.toString().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        return Double.isFinite(value) ? value : null;
    }

    /**
     * The cell as epoch milliseconds, or null when it is no time. Times without a zone are UTC;
     * numbers are epoch seconds below 10^11 and epoch milliseconds from there.
     */
    static Long epochMillis(Object cell) {
        if (cell instanceof Date d) { // also java.sql.Date, whose toInstant() throws
            return d.getTime();
        } else if (cell instanceof Instant i) {
            return i.toEpochMilli();
        } else if (cell instanceof OffsetDateTime t) {
            return t.toInstant().toEpochMilli();
        } else if (cell instanceof ZonedDateTime t) {
            return t.toInstant().toEpochMilli();
        } else if (cell instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC).toEpochMilli();
        } else if (cell instanceof LocalDate d) {
            return d.toEpochDay() * DAY;
        } else if (cell instanceof CharSequence text) {
            return parseTime(text.toString().trim());
        }
        Double n = number(cell);
        if (n == null || Math.abs(n) > 1e15) {
            return null;
        }
        return Math.abs(n) < 1e11 ? Math.round(n * SECOND) : Math.round(n);
    }

    private static Long parseTime(String text) {
        String iso =
                text.length() > 10 && text.charAt(10) == ' ' ? text.replaceFirst(" ", "T") : text;
        try {
            return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // not with an offset; try the forms without one
        }
        try {
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            // not a date-time
        }
        try {
            return LocalDate.parse(iso).toEpochDay() * DAY;
        } catch (DateTimeParseException e) {
            Double n = number(text);
            return n == null ? null : epochMillis(n);
        }
    }

    /**
     * A value axis from {@code min} to {@code max} that includes zero (the panels count things),
     * widened to whole ticks of 1, 2 or 5 times a power of ten, with about {@code count} ticks.
     */
    static Range values(double min, double max, int count) {
        double lo = Math.min(0, min);
        double hi = Math.max(0, max);
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        double raw =
                (hi / 2 - lo / 2) / Math.max(2, count) * 2; // finite also for ±Double.MAX_VALUE
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step =
                magnitude
                        * (raw / magnitude <= 1
                                ? 1
                                : raw / magnitude <= 2 ? 2 : raw / magnitude <= 5 ? 5 : 10);
        double first = Math.floor(lo / step) * step;
        double last = Math.ceil(hi / step) * step;
        if (!Double.isFinite(first) || !Double.isFinite(last) || !(last > first)) {
            return new Range(lo, hi, hi / 2 - lo / 2, List.of(lo, hi));
        }
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; i <= count * 3 && first + i * step <= last + step / 2; i++) {
            ticks.add(first + i * step);
        }
        return new Range(first, last, step, ticks);
    }

    /**
     * A time axis from {@code min} to {@code max} epoch milliseconds with at most about {@code
     * count} ticks at round UTC times; a single time gets an hour on either side.
     */
    static Range times(long min, long max, int count) {
        long lo = min;
        long hi = max;
        if (hi <= lo) {
            lo -= HOUR;
            hi += HOUR;
        }
        long step = TIME_STEPS[TIME_STEPS.length - 1];
        for (long candidate : TIME_STEPS) {
            if ((hi - lo) / candidate <= count) {
                step = candidate;
                break;
            }
        }
        List<Double> ticks = new ArrayList<>();
        for (long t = Math.floorDiv(lo + step - 1, step) * step;
                t <= hi && ticks.size() <= count * 2;
                t += step) {
            ticks.add((double) t);
        }
        return new Range(lo, hi, step, ticks);
    }

    /** A tick label of a time axis: the date for whole days, else the time (and date if needed). */
    static String timeLabel(double epochMillis, Range range) {
        LocalDateTime t =
                LocalDateTime.ofEpochSecond(
                        Math.floorDiv((long) epochMillis, SECOND), 0, ZoneOffset.UTC);
        if (range.step() >= DAY) {
            return DATE.format(t);
        }
        if (range.hi() - range.lo() > DAY) {
            return DAY_TIME.format(t);
        }
        return (range.step() < MINUTE ? TIME_SECONDS : TIME).format(t);
    }
}
