package io.sluice.common.config;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The keys a configuration file may use: the options' keys and the deprecated keys they replaced,
 * with the warning for a replaced key and the suggestion for an unknown one.
 */
final class ConfigKeys {
    private ConfigKeys() {}

    /** Every key the file may use: the options' keys and the keys they replaced. */
    static Set<String> known() {
        Set<String> keys = new LinkedHashSet<>();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            keys.add(rule.key());
            keys.addAll(rule.deprecatedKeys());
        }
        return keys;
    }

    /** The line logged for a value under a replaced key. */
    static String deprecation(String oldKey, OptionRule<?> rule) {
        String line = "'" + oldKey + "' is deprecated: write '" + rule.key() + "' instead";
        if (rule.valueClass() == Duration.class
                && rule.option().hasDefaultValue()
                && oldKey.endsWith("-ms")) {
            line +=
                    " with a unit (e.g. "
                            + rule.key()
                            + ": "
                            + Checks.format((Duration) rule.option().defaultValue())
                            + "); a bare number under '"
                            + oldKey
                            + "' is read as milliseconds";
        }
        return line;
    }

    /** " (did you mean 'k'?)" for the closest known key within three edits, else "". */
    static String suggestion(String key, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
