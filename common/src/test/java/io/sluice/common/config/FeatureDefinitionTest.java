package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class FeatureDefinitionTest {
    @Test
    void parsesAnEventNameFeature() {
        FeatureDefinition f = FeatureDefinition.parse("export_clicked");
        assertThat(f.eventName()).isEqualTo("export_clicked");
        assertThat(f.property()).isNull();
        assertThat(f.byProperty()).isFalse();
        assertThat(f).hasToString("export_clicked");
    }

    @Test
    void parsesAPropertyFeature() {
        FeatureDefinition f = FeatureDefinition.parse(" button_clicked.button_id ");
        assertThat(f).isEqualTo(new FeatureDefinition("button_clicked", "button_id"));
        assertThat(f.byProperty()).isTrue();
        assertThat(f).hasToString("button_clicked.button_id");
    }

    @Test
    void toStringRoundTrips() {
        for (String text : new String[] {"a", "_x9", "Ev.p", "e_1._p2"}) {
            assertThat(FeatureDefinition.parse(text).toString()).isEqualTo(text);
            assertThat(FeatureDefinition.parse(FeatureDefinition.parse(text).toString()))
                    .isEqualTo(FeatureDefinition.parse(text));
        }
    }

    @Test
    void rejectsWhatIsNotEventNameOrEventNameDotProperty() {
        for (String bad : new String[] {"", " ", "1abc", "a.b.c", "a.", ".b", "a-b", "a.b c"}) {
            assertThatThrownBy(() -> FeatureDefinition.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("event_name");
        }
        assertThatThrownBy(() -> FeatureDefinition.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> FeatureDefinition.parse("a.b.c")).hasMessageContaining("'a.b.c'");
        assertThatThrownBy(() -> new FeatureDefinition("ok", "no way"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'no way'");
        assertThatThrownBy(() -> new FeatureDefinition(null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isSerializable() throws Exception {
        FeatureDefinition f = FeatureDefinition.parse("a.b");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(f);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(f);
        }
    }
}
