package io.sluice.common.config;

import java.util.List;

/**
 * A configuration or environment problem found before the job starts. The message lists every
 * problem found, one per line, each naming the key or server involved and what to do about it.
 */
public class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public ConfigException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) {
            return "Sluice cannot start: " + problems.get(0);
        }
        StringBuilder sb =
                new StringBuilder("Sluice cannot start, " + problems.size() + " problems:");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
