package io.sluice.jobs.analytics.finance;

import io.sluice.jobs.analytics.model.RevenueDailyRow;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Amounts read from a change, as whole units of 1/10,000 (the scale of revenue_daily's {@code
 * Decimal(18, 4)}): exact, and summed as longs. Never a double: a {@code real} or {@code double
 * precision} column is read through its shortest decimal text, the digits Postgres shows.
 */
final class Money {
    private Money() {}

    /** The largest amount {@code Decimal(18, 4)} holds, in units: 99,999,999,999,999.9999. */
    static final long MAX_UNITS = 999_999_999_999_999_999L;

    /**
     * The amount {@code value} holds, in units of 1/10,000.
     *
     * @throws IllegalArgumentException with the reason, for a dead letter: NULL, not a number, more
     *     than 4 decimal places, or beyond {@code Decimal(18, 4)}
     */
    static long units(String column, Object value) {
        BigDecimal amount = decimal(column, value);
        BigDecimal scaled;
        try {
            scaled = amount.setScale(RevenueDailyRow.SCALE);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    column
                            + " "
                            + amount.toPlainString()
                            + " has more than "
                            + RevenueDailyRow.SCALE
                            + " decimal places");
        }
        BigInteger units = scaled.unscaledValue();
        if (units.abs().compareTo(BigInteger.valueOf(MAX_UNITS)) > 0) {
            throw new IllegalArgumentException(
                    column + " " + amount.toPlainString() + " is beyond Decimal(18, 4)");
        }
        return units.longValueExact();
    }

    private static BigDecimal decimal(String column, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(column + " is NULL");
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        String text = value.toString().trim();
        if ((value instanceof Double d && !Double.isFinite(d))
                || (value instanceof Float f && !Float.isFinite(f))) {
            throw new IllegalArgumentException(column + " " + text + " is not a number");
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " '" + text + "' is not a number");
        }
    }
}
