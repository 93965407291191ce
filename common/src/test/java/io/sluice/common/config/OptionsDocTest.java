package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The options tables of {@code docs/configuration.md} are what the declarations render. Run with
 * {@code -Dsluice.options-doc=write} to write them instead (see {@link OptionsDoc}).
 */
class OptionsDocTest {
    static final String REGENERATE =
            "cd common && mvn -B -o -q test-compile && mvn -B -o surefire:test"
                    + " -Dtest=OptionsDocTest -Dsluice.options-doc=write";

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void docsConfigurationListsEveryOptionAsDeclared() throws IOException {
        if ("write".equals(System.getProperty("sluice.options-doc"))) {
            OptionsDoc.main(new String[] {DOC.toString()});
        }
        String text = Files.readString(DOC);
        assertThat(OptionsDoc.generatedPart(text))
                .as(
                        "docs/configuration.md's options tables differ from the declarations in"
                                + " common/.../config/*Options.java; regenerate them: "
                                + REGENERATE)
                .isEqualTo(OptionsDoc.render());
    }

    @Test
    void everyOptionAndEveryReplacedKeyIsInTheTables() {
        String rendered = OptionsDoc.render();
        for (OptionRule<?> rule : SluiceOptions.ALL) {
            assertThat(rendered).contains("| `" + rule.key() + "` |");
            for (String old : rule.deprecatedKeys()) {
                assertThat(rendered).contains("Replaces `" + old + "`");
            }
        }
    }
}
