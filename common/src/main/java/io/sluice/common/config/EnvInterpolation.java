package io.sluice.common.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} and {@code ${VAR:-default}} in configuration values, taken from the environment.
 */
final class EnvInterpolation {
    private static final Pattern ENV_REF =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private EnvInterpolation() {}

    static String interpolate(String text, Map<String, String> env) {
        Matcher m = ENV_REF.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                if (m.group(2) == null) {
                    throw new IllegalArgumentException(
                            "refers to ${"
                                    + m.group(1)
                                    + "}, which is not set in the environment: export it, or"
                                    + " write ${"
                                    + m.group(1)
                                    + ":-default}");
                }
                value = m.group(3);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
