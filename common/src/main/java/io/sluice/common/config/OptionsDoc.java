package io.sluice.common.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the options tables of {@code docs/configuration.md} from the declarations, between the
 * markers {@value #BEGIN} and {@value #END}; the rest of the file is left as it is. {@code
 * OptionsDocTest} fails when the file differs from what the declarations render.
 *
 * <p>Run it through the test, which has the classpath: {@code cd common && mvn -B -o -q
 * test-compile && mvn -B -o surefire:test -Dtest=OptionsDocTest -Dsluice.options-doc=write}; as a
 * main class its argument is the file (default {@code docs/configuration.md}, from the repository
 * root or a module).
 */
public final class OptionsDoc {
    static final String BEGIN = "<!-- options:begin -->";
    static final String END = "<!-- options:end -->";

    private OptionsDoc() {}

    public static void main(String[] args) throws IOException {
        Path file = args.length > 0 ? Path.of(args[0]) : defaultFile();
        String text = Files.readString(file);
        String updated = replaceGenerated(text, render());
        if (!updated.equals(text)) {
            Files.writeString(file, updated);
            System.out.println("updated " + file);
        } else {
            System.out.println(file + " is up to date");
        }
    }

    /** {@code docs/configuration.md} of the repository, from its root or from a module. */
    static Path defaultFile() {
        Path here = Path.of("docs", "configuration.md");
        return Files.exists(here) ? here : Path.of("..", "docs", "configuration.md");
    }

    /** {@code text} with what stands between the markers replaced by {@code generated}. */
    static String replaceGenerated(String text, String generated) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(
                    "the file has no " + BEGIN + " ... " + END + " section to generate into");
        }
        return text.substring(0, begin + BEGIN.length()) + "\n" + generated + text.substring(end);
    }

    /** What stands between the markers of {@code text}, or null without them. */
    static String generatedPart(String text) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        return begin < 0 || end < begin ? null : text.substring(begin + BEGIN.length() + 1, end);
    }

    /** One table per area: key, default, type, meaning. */
    static String render() {
        StringBuilder sb = new StringBuilder();
        for (SluiceOptions.Area area : SluiceOptions.AREAS) {
            List<String> sections = new ArrayList<>();
            for (String s : area.sections().split(",\\s*")) {
                sections.add("`" + s + ":`");
            }
            sb.append("\n### ")
                    .append(String.join(" and ", sections))
                    .append(", ")
                    .append(area.title())
                    .append("\n\nDeclared in `")
                    .append(area.declaredIn().getSimpleName())
                    .append("`.\n\n| key | default | type | meaning |\n|---|---|---|---|\n");
            for (OptionRule<?> rule : area.rules()) {
                sb.append("| `")
                        .append(rule.key())
                        .append("` | ")
                        .append(defaultText(rule))
                        .append(" | ")
                        .append(typeText(rule))
                        .append(" | ")
                        .append(cell(meaning(rule)))
                        .append(" |\n");
            }
        }
        return sb.append("\n").toString();
    }

    private static String meaning(OptionRule<?> rule) {
        String text = rule.description();
        for (String old : rule.deprecatedKeys()) {
            text +=
                    " Replaces `"
                            + old
                            + "`"
                            + (rule.valueClass() == Duration.class
                                    ? " (milliseconds), which is still read."
                                    : ", which is still read.");
        }
        return text;
    }

    private static String defaultText(OptionRule<?> rule) {
        if (rule.required()) {
            return "(required)";
        }
        Object v = rule.option().hasDefaultValue() ? rule.option().defaultValue() : null;
        if (v == null) {
            return "(none)";
        }
        if ("".equals(v)) {
            return "\"\"";
        }
        if (v instanceof Duration d) {
            return Checks.format(d);
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(String.valueOf(o));
            }
            return cell("[" + String.join(", ", items) + "]");
        }
        return cell(String.valueOf(v));
    }

    private static String typeText(OptionRule<?> rule) {
        Class<?> type = rule.valueClass();
        String name =
                type.isEnum()
                        ? "one of " + ValueConverter.choices(type, ", ")
                        : type.getSimpleName();
        return rule.isList() ? "list of " + (type.isEnum() ? "(" + name + ")" : name) : name;
    }

    /** Text safe inside a Markdown table cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
