package io.sluice.jobs.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.analytics.operators.CleanAndDedupeFunctionTest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** PII is hashed with HMAC-SHA256 before anything downstream sees it. */
class PiiMaskerTest {
    static final String KEY = "0123456789abcdef-test-key";

    static SluiceConfig config() {
        return config(Map.of());
    }

    static SluiceConfig config(Map<String, Object> overrides) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.users", "public.events"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.put("pii.columns", List.of("public.users.email"));
        v.put("pii.property-keys", List.of("email"));
        v.putAll(overrides);
        return SluiceConfig.of(v);
    }

    /** The expected hash, computed independently of PiiHasher. */
    static String hmac(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private final PiiMasker masker =
            new PiiMasker(config(), PiiHasher.fromConfig(config(), Map.of("SLUICE_PII_KEY", KEY)));

    @Test
    void configuredColumnsAreHashed() throws Exception {
        ChangeRecord user =
                new ChangeRecord(
                        TableId.parse("users"),
                        Op.INSERT,
                        Map.of("user_id", 1L, "email", "ann@example.com", "plan", "pro"),
                        Set.of(),
                        5,
                        1_764_000_000_000L);
        ChangeRecord masked = masker.mask(user);
        assertThat(masked.values().get("email")).isEqualTo(hmac("ann@example.com"));
        assertThat(masked.values().get("plan")).isEqualTo("pro");
        assertThat(masked.lsn()).isEqualTo(5);
        // The commit time stays: future skew is judged against it, not the wall clock.
        assertThat(masked.commitMs()).isEqualTo(1_764_000_000_000L);
    }

    @Test
    void aDeleteReplayedInTheSnapshotCatchUpKeepsItsFlag() throws Exception {
        // Clean-and-dedupe tells a replayed delete from a forgotten row by this flag alone.
        ChangeRecord replayed =
                new ChangeRecord(
                        TableId.parse("users"),
                        Op.DELETE,
                        Map.of("user_id", 1L, "email", "ann@example.com"),
                        Set.of(),
                        7,
                        1_764_000_000_000L,
                        true);
        ChangeRecord masked = masker.mask(replayed);
        assertThat(masked.snapshotCatchUp()).isTrue();
        assertThat(masked.op()).isEqualTo(Op.DELETE);
        assertThat(masked.values().get("email")).isEqualTo(hmac("ann@example.com"));
    }

    @Test
    void unchangedToastValuesAreLeftAlone() throws Exception {
        ChangeRecord user =
                new ChangeRecord(
                        TableId.parse("users"),
                        Op.UPDATE,
                        Map.of("user_id", 1L, "email", "__placeholder__"),
                        Set.of("email"),
                        5);
        assertThat(masker.mask(user).values().get("email")).isEqualTo("__placeholder__");
    }

    @Test
    void propertyKeysAreHashedAndAddressesInMalformedPropertiesToo() throws Exception {
        ChangeRecord event =
                CleanAndDedupeFunctionTest.change(
                        Op.INSERT,
                        1,
                        "e1",
                        1L,
                        "2026-11-20T10:00:00Z",
                        "signup",
                        "{\"email\": \"bob@example.com\", \"n\": 1}");
        assertThat(masker.mask(event).values().get("properties"))
                .isEqualTo("{\"email\":\"" + hmac("bob@example.com") + "\",\"n\":1}");
        ChangeRecord malformed =
                CleanAndDedupeFunctionTest.change(
                        Op.INSERT,
                        2,
                        "e2",
                        1L,
                        "2026-11-20T10:00:00Z",
                        "signup",
                        "[\"to: bob@example.com\"]");
        assertThat(masker.mask(malformed).values().get("properties"))
                .isEqualTo("[\"to: " + hmac("bob@example.com") + "\"]");
    }

    @Test
    void propertyKeysAreHashedAtAnyDepthAndInAnyCase() throws Exception {
        ChangeRecord event =
                CleanAndDedupeFunctionTest.change(
                        Op.INSERT,
                        3,
                        "e3",
                        1L,
                        "2026-11-20T10:00:00Z",
                        "signup",
                        "{\"user\":{\"profile\":{\"contact\":{\"Email\":\"deep@example.com\"}}},"
                                + "\"list\":[{\"EMAIL\":{\"work\":\"w@example.com\"}}],"
                                + "\"n\":{\"email\":null}}");
        assertThat(masker.mask(event).values().get("properties"))
                .isEqualTo(
                        "{\"user\":{\"profile\":{\"contact\":{\"Email\":\""
                                + hmac("deep@example.com")
                                + "\"}}},\"list\":[{\"EMAIL\":\""
                                + hmac("{\"work\":\"w@example.com\"}")
                                + "\"}],\"n\":{\"email\":null}}");
    }

    @Test
    void valuesAtJsonPathsOfAColumnAreHashedAndTheRestStays() throws Exception {
        SluiceConfig config =
                config(
                        Map.of(
                                "pii.columns",
                                List.of(
                                        "public.users.attributes.$.contact.email",
                                        "public.users.attributes.$.phones.*",
                                        "public.users.attributes.$.contacts.email",
                                        "public.users.attributes.$.*.ssn")));
        PiiMasker paths =
                new PiiMasker(config, PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", KEY)));
        String attributes =
                "{\"contact\":{\"email\":\"a@example.com\",\"name\":\"Ann\"},"
                        + "\"phones\":[\"+1 555\",\"+44 20\"],"
                        + "\"contacts\":[{\"email\":\"b@example.com\"},{\"email\":null},{\"other\":1}],"
                        + "\"tax\":{\"ssn\":{\"n\":123}},\"n\":2}";
        ChangeRecord user =
                new ChangeRecord(
                        TableId.parse("users"),
                        Op.INSERT,
                        Map.of("user_id", 1L, "attributes", attributes, "email", "e@example.com"),
                        Set.of(),
                        5);

        Map<String, Object> masked = paths.mask(user).values();

        assertThat(masked.get("attributes"))
                .isEqualTo(
                        "{\"contact\":{\"email\":\""
                                + hmac("a@example.com")
                                + "\",\"name\":\"Ann\"},\"phones\":[\""
                                + hmac("+1 555")
                                + "\",\""
                                + hmac("+44 20")
                                + "\"],\"contacts\":[{\"email\":\""
                                + hmac("b@example.com")
                                + "\"},{\"email\":null},{\"other\":1}],\"tax\":{\"ssn\":\""
                                + hmac("{\"n\":123}")
                                + "\"},\"n\":2}");
        // Only the paths: the column listed without one is not in this configuration.
        assertThat(masked.get("email")).isEqualTo("e@example.com");

        // A value that is not JSON cannot be told apart: it is hashed whole.
        ChangeRecord broken =
                new ChangeRecord(
                        TableId.parse("users"),
                        Op.UPDATE,
                        Map.of("user_id", 1L, "attributes", "contact: a@example.com"),
                        Set.of(),
                        6);
        assertThat(paths.mask(broken).values().get("attributes"))
                .isEqualTo(hmac("contact: a@example.com"));
    }

    @Test
    void aJsonPathNeedsAtLeastOneKey() {
        assertThatThrownBy(
                        () -> config(Map.of("pii.columns", List.of("public.users.attributes.$"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.table.column.$.key.key");
    }

    @Test
    void theDetectorHashesAddressesInEveryTextValueOfEveryTable() throws Exception {
        SluiceConfig config = config(Map.of("pii.detect-emails", true));
        PiiMasker detecting =
                new PiiMasker(config, PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", KEY)));
        Map<String, Object> row = new HashMap<>();
        row.put("user_id", "jürgen@exämple.de");
        row.put("attributes", "{\"contact\":\"c@example.com\",\"n\":1}");
        row.put("tags", List.of("vip", "t@example.com"));
        row.put("age", 42L);
        row.put("bio", "__toast__ x@example.com");
        ChangeRecord masked =
                detecting.mask(
                        new ChangeRecord(
                                TableId.parse("accounts"), Op.INSERT, row, Set.of("bio"), 7));
        assertThat(masked.values())
                .containsEntry("user_id", hmac("jürgen@exämple.de"))
                .containsEntry(
                        "attributes", "{\"contact\":\"" + hmac("c@example.com") + "\",\"n\":1}")
                .containsEntry("tags", List.of("vip", hmac("t@example.com")))
                .containsEntry("age", 42L)
                .containsEntry("bio", "__toast__ x@example.com");
        // Without the detector the same row passes unchanged (no column of it is listed).
        assertThat(
                        masker.mask(
                                        new ChangeRecord(
                                                TableId.parse("accounts"),
                                                Op.INSERT,
                                                row,
                                                Set.of(),
                                                7))
                                .values())
                .isEqualTo(row);
    }

    @Test
    void theDetectorAloneNeedsTheKey() {
        SluiceConfig config =
                config(
                        Map.of(
                                "pii.columns",
                                List.of(),
                                "pii.property-keys",
                                List.of(),
                                "pii.detect-emails",
                                true));
        assertThatThrownBy(() -> PiiHasher.fromConfig(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(pii.detect-emails)");
    }

    @Test
    void theJobRefusesToStartWithoutTheKey() {
        assertThatThrownBy(() -> PiiHasher.fromConfig(config(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SLUICE_PII_KEY")
                .hasMessageContaining("public.users.email");
        assertThatThrownBy(() -> PiiHasher.fromConfig(config(), Map.of("SLUICE_PII_KEY", "short")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("at least 16");
    }

    @Test
    void withARawDatabaseEachHashedValueGoesToTheVaultOnceWithItsSource() throws Exception {
        SluiceConfig config =
                config(
                        Map.of(
                                "pii.raw-database",
                                "sluice_pii",
                                "pii.columns",
                                List.of(
                                        "public.users.email",
                                        "public.users.attributes.$.contact.email")));
        PiiMasker vaulting =
                new PiiMasker(config, PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", KEY)));
        try (OneInputStreamOperatorTestHarness<ChangeRecord, ChangeRecord> h =
                ProcessFunctionTestHarnesses.forProcessFunction(vaulting)) {
            Map<String, Object> row = new HashMap<>();
            row.put("user_id", 1L);
            row.put("email", "ann@example.com");
            row.put("attributes", "{\"contact\":{\"email\":\"ann@example.com\"},\"n\":1}");
            row.put("plan", "pro");
            h.processElement(
                    new ChangeRecord(TableId.parse("users"), Op.INSERT, row, Set.of(), 9, 7), 1);

            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            c ->
                                    assertThat(c.values().get("email"))
                                            .isEqualTo(hmac("ann@example.com")));
            List<ChangeRecord> raw = new java.util.ArrayList<>();
            h.getSideOutput(PiiMasker.RAW).forEach(r -> raw.add(r.getValue()));
            // The same address in two places is one row; the first place names it.
            assertThat(raw)
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.table().clickHouseName()).isEqualTo("pii_values");
                                assertThat(r.values())
                                        .containsEntry("hash", hmac("ann@example.com"))
                                        .containsEntry("value", "ann@example.com")
                                        .containsEntry("source", "public.users.email");
                                assertThat(r.lsn()).isEqualTo(9);
                            });
        }
    }

    @Test
    void withoutARawDatabaseNothingGoesToTheVault() throws Exception {
        try (OneInputStreamOperatorTestHarness<ChangeRecord, ChangeRecord> h =
                ProcessFunctionTestHarnesses.forProcessFunction(masker)) {
            h.processElement(
                    new ChangeRecord(
                            TableId.parse("users"),
                            Op.INSERT,
                            Map.of("user_id", 1L, "email", "ann@example.com"),
                            Set.of(),
                            9,
                            7),
                    1);
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.getSideOutput(PiiMasker.RAW)).isNull();
        }
    }
}
