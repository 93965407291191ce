package io.sluice.common.pii;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** E-mail addresses in free text are found and replaced by their keyed hash. */
class PiiHasherTest {
    private static final String KEY = "0123456789abcdef-test-key";
    private final PiiHasher hasher = new PiiHasher(KEY.getBytes(StandardCharsets.UTF_8));

    /** The expected hash, computed without PiiHasher. */
    private static String hmac(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ann@example.com",
                "jürgen.müller@exämple.de",
                "用户@例子.中国",
                "josé.o'brien+tag@mail.example.co.uk",
                "ANN_1%x-y@EXAMPLE.COM",
                "пользователь@пример.рф"
            })
    void anAddressAnywhereInTheTextIsHashedWhole(String address) throws Exception {
        assertThat(hasher.hashEmailsIn("to: " + address + ", thanks"))
                .isEqualTo("to: " + hmac(address) + ", thanks");
        assertThat(hasher.hashEmailsIn("{\"contact\":\"" + address + "\"}"))
                .isEqualTo("{\"contact\":\"" + hmac(address) + "\"}");
        assertThat(hasher.hashEmailsIn(address)).isEqualTo(hmac(address));
    }

    @Test
    void punctuationAroundAnAddressStaysOutsideIt() throws Exception {
        assertThat(hasher.hashEmailsIn("Write to ann@example.com. Or (bob@example.org)!"))
                .isEqualTo(
                        "Write to "
                                + hmac("ann@example.com")
                                + ". Or ("
                                + hmac("bob@example.org")
                                + ")!");
        assertThat(hasher.hashEmailsIn("a@x.io,b@y.io"))
                .isEqualTo(hmac("a@x.io") + "," + hmac("b@y.io"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "no address here",
                "user@localhost",
                "@example.com",
                "foo@.com",
                "x@y.c",
                "price: 5 @ 3.50",
                "a@b@c",
                "mail@123.456"
            })
    void textWithoutAnAddressIsLeftAsItIs(String text) {
        assertThat(hasher.hashEmailsIn(text)).isSameAs(text);
    }

    @Test
    void aFiveMegabyteValueIsScannedOnce() throws Exception {
        String letters = "a".repeat(5_000_000);
        // Around the first @: 64 letters of local part at most, 255 of domain at most, and no
        // dot, so no address; the one at the end is.
        String text = letters + "@" + letters + " zed@example.com";
        String expected = letters + "@" + letters + " " + hmac("zed@example.com");
        assertThat(hasher.hashEmailsIn(text).equals(expected)).as("only zed@example.com").isTrue();
    }
}
