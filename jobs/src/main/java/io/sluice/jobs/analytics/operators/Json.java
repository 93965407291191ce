package io.sluice.jobs.analytics.operators;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one JSON mapper of the analytics job (thread-safe once configured). */
public final class Json {
    /** Decimals are kept exactly as written (no binary floating point round trip). */
    public static final ObjectMapper MAPPER =
            new ObjectMapper()
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}
}
