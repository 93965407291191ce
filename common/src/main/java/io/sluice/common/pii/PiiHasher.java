package io.sluice.common.pii;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.SluiceConfig;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash of personal data: HMAC-SHA256 of the UTF-8 value, as 64 lower-case hex digits. The
 * same value always gives the same hash (joins and distinct counts still work), and without the key
 * a hash cannot be reversed by hashing guesses.
 *
 * <p>The key is a field, so it travels in the job graph with the function that hashes (as the
 * database passwords do in the configuration the operators hold): the job reads it where it is
 * built, and the TaskManagers need not have it in their environment (the compose file's and the
 * tests' MiniClusters do not).
 */
public final class PiiHasher implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern EMAIL =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");

    private final byte[] key;
    private transient Mac mac;

    public PiiHasher(byte[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("the PII key is empty");
        }
        this.key = key.clone();
    }

    /**
     * The hasher the configuration asks for: {@code null} when no PII field is configured; a {@link
     * ConfigException} when fields are configured but the key variable is unset or empty.
     */
    public static PiiHasher fromConfig(SluiceConfig config, Map<String, String> env) {
        List<String> columns = config.get(PiiOptions.COLUMNS);
        List<String> keys = config.get(PiiOptions.PROPERTY_KEYS);
        if (columns.isEmpty() && keys.isEmpty()) {
            return null;
        }
        String var = config.get(PiiOptions.KEY_ENV);
        String secret = env.get(var);
        if (secret == null || secret.isEmpty()) {
            throw new ConfigException(
                    List.of(
                            "PII fields are configured ("
                                    + String.join(", ", columns)
                                    + (columns.isEmpty() || keys.isEmpty() ? "" : ", ")
                                    + (keys.isEmpty()
                                            ? ""
                                            : "properties." + String.join(", properties.", keys))
                                    + ") but the environment variable "
                                    + var
                                    + " (pii.key-env) holding the hash key is not set: set it to a"
                                    + " secret of at least 16 characters, and keep it stable,"
                                    + " since a new key changes every hash"));
        }
        if (secret.length() < 16) {
            throw new ConfigException(
                    List.of(
                            "the PII hash key in "
                                    + var
                                    + " has "
                                    + secret.length()
                                    + " characters: use at least 16"));
        }
        return new PiiHasher(secret.getBytes(StandardCharsets.UTF_8));
    }

    public String hash(String value) {
        if (mac == null) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Replaces every e-mail address in free text (text we cannot parse) by its hash. */
    public String hashEmailsIn(String text) {
        Matcher m = EMAIL.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder sb = new StringBuilder();
        do {
            m.appendReplacement(sb, hash(m.group()));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }
}
