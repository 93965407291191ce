package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.FunnelDefinition.Mode;
import io.sluice.common.config.FunnelDefinition.Step;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunnelDefinitionTest {
    @Test
    void readsTheDocumentedExample() {
        FunnelDefinition f =
                FunnelDefinition.parse(
                        "signup: page_view{path=/pricing} > signup_started > signup_completed"
                                + " within 1 d strict");
        assertThat(f)
                .isEqualTo(
                        new FunnelDefinition(
                                "signup",
                                List.of(
                                        new Step("page_view", Map.of("path", "/pricing")),
                                        new Step("signup_started", Map.of()),
                                        new Step("signup_completed", Map.of())),
                                Duration.ofDays(1),
                                Mode.STRICT));
        assertThat(f.windowUs()).isEqualTo(86_400_000_000L);
    }

    @Test
    void modeDefaultsToOrderedAndFiltersKeepTheirOrderAndQuotes() {
        FunnelDefinition f =
                FunnelDefinition.parse(
                        " checkout :view{ plan = \"pro, yearly\" ,b=x y,a=\"\"}>buy within 30 min");
        assertThat(f.mode()).isEqualTo(Mode.ORDERED);
        assertThat(f.window()).isEqualTo(Duration.ofMinutes(30));
        assertThat(f.steps().get(0).filters())
                .containsExactly(
                        Map.entry("plan", "pro, yearly"),
                        Map.entry("b", "x y"),
                        Map.entry("a", ""));
        assertThat(FunnelDefinition.parse("f: a > b within 2 h ORDERED").mode())
                .isEqualTo(Mode.ORDERED);
        assertThat(FunnelDefinition.parse("f: a > b{k=v>w} > c within 7 d").steps())
                .extracting(Step::eventName)
                .containsExactly("a", "b", "c");
    }

    @Test
    void toStringRoundTrips() {
        for (String text :
                List.of(
                        "signup: page_view{path=/pricing} > signup_started > signup_completed"
                                + " within 1 d strict",
                        "checkout: view{plan=\"pro, yearly\", b=\"x y\", a=\"\", c=1} > buy"
                                + " within 30 min ordered",
                        "x_2: a > a > a within 90 s ordered",
                        "y: a{k=\"v>w}\"} > b within 1500 ms strict")) {
            FunnelDefinition f = FunnelDefinition.parse(text);
            assertThat(f.toString()).isEqualTo(text);
            assertThat(FunnelDefinition.parse(f.toString())).isEqualTo(f);
        }
    }

    @Test
    void matchesNameAndEveryFilter() {
        Step s = FunnelDefinition.parse("f: v{a=1, b=x} > w within 1 h").steps().get(0);
        Map<String, String> props = Map.of("a", "1", "b", "x");
        assertThat(s.matches("v", props::get)).isTrue();
        assertThat(s.matches("w", props::get)).isFalse();
        assertThat(s.matches("v", Map.of("a", "1")::get)).isFalse();
        assertThat(s.matches("v", Map.of("a", "1", "b", "X")::get)).isFalse();
    }

    @Test
    void isSerializable() throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: v{a=1, b=x} > w within 1 h strict");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(f);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(f);
        }
    }

    @Test
    void namesTheBadPart() {
        assertBad("x: a within 1 h", "funnel 'x': a funnel needs at least 2 steps");
        assertBad("x: a > b within 1 h foo", "unknown mode 'foo': ordered or strict");
        assertBad("x: a > b within soon", "bad duration 'soon'");
        assertBad("x: a > b", "no 'within <duration>'");
        assertBad("X: a > b within 1 h", "bad funnel name 'X'");
        assertBad("a > b within 1 h", "expected '<name>: <step>");
        assertBad("x: a > {k=v} within 1 h", "bad step '{k=v}'");
        assertBad("x: a > b{k} within 1 h", "bad filter 'k'");
        assertBad("x: a > b{k=v, k=w} within 1 h", "two filters on 'k'");
        assertBad("x: a > b{k=\"v} within 1 h", "unbalanced quotes or braces");
        assertBad("x: a > > b within 1 h", "bad step ''");
        assertBad("x: a > b within 0 s", "the window must be positive");
    }

    private static void assertBad(String text, String message) {
        assertThatThrownBy(() -> FunnelDefinition.parse(text))
                .as(text)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
