package io.sluice.common.pii;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.SluiceConfig;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
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

    private final byte[] key;
    private transient Mac mac;
    private transient BiConsumer<String, String> witness;

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
        boolean detect = config.get(PiiOptions.DETECT_EMAILS);
        if (columns.isEmpty() && keys.isEmpty() && !detect) {
            return null;
        }
        String var = config.get(PiiOptions.KEY_ENV);
        String secret = env.get(var);
        if (secret == null || secret.isEmpty()) {
            List<String> fields = new ArrayList<>(columns);
            keys.forEach(k -> fields.add("properties." + k));
            if (detect) {
                fields.add("pii.detect-emails");
            }
            throw new ConfigException(
                    List.of(
                            "PII fields are configured ("
                                    + String.join(", ", fields)
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

    /**
     * Calls {@code witness} with each value this instance hashes and its hash, from now on (the
     * restricted copy of raw PII, {@code pii.raw-database}). One witness per instance: each
     * operator has its own deserialized copy.
     */
    public void witness(BiConsumer<String, String> witness) {
        this.witness = witness;
    }

    public String hash(String value) {
        String hash = hmac(value);
        if (witness != null) {
            witness.accept(value, hash);
        }
        return hash;
    }

    private String hmac(String value) {
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

    /**
     * Replaces every e-mail address in {@code text} by its hash: a local part of letters, digits,
     * marks and {@code . _ % + ' -} (at most 64 characters), {@code @}, and a domain of labels of
     * letters, digits, marks and {@code -} joined by dots whose last label has two letters or more.
     * Letters are Unicode letters ({@code jürgen@exämple.de}, {@code 用户@例子.中国}).
     *
     * <p>Found around each {@code @} in one pass: no regular expression backtracks over a 5 MB
     * value.
     */
    public String hashEmailsIn(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            return text;
        }
        StringBuilder sb = null;
        int copied = 0;
        while (at >= 0) {
            int start = at;
            while (start > 0 && at - start < 64 && isLocal(text.charAt(start - 1))) {
                start--;
            }
            int end = domainEnd(text, at + 1);
            if (start < at && end > at + 1 && start >= copied) {
                if (sb == null) {
                    sb = new StringBuilder(text.length());
                }
                sb.append(text, copied, start).append(hash(text.substring(start, end)));
                copied = end;
                at = text.indexOf('@', end);
            } else {
                at = text.indexOf('@', at + 1);
            }
        }
        if (sb == null) {
            return text;
        }
        return sb.append(text, copied, text.length()).toString();
    }

    private static boolean isLocal(char c) {
        return Character.isLetterOrDigit(c)
                || Character.getType(c) == Character.NON_SPACING_MARK
                || c == '.'
                || c == '_'
                || c == '%'
                || c == '+'
                || c == '\''
                || c == '-';
    }

    private static boolean isLabel(char c) {
        return Character.isLetterOrDigit(c)
                || Character.getType(c) == Character.NON_SPACING_MARK
                || c == '-';
    }

    /**
     * The end of the domain that starts at {@code from}, or {@code from} if there is none: labels
     * joined by single dots (at most 255 characters), the last one of two letters or more.
     */
    private static int domainEnd(String text, int from) {
        int i = from;
        int limit = Math.min(text.length(), from + 255);
        int lastDot = -1;
        int end = from;
        while (i < limit) {
            int labelStart = i;
            while (i < limit && isLabel(text.charAt(i))) {
                i++;
            }
            if (i == labelStart) {
                break; // an empty label: the domain ended before it
            }
            if (lastDot >= 0 && isTld(text, labelStart, i)) {
                end = i;
            }
            if (i < limit && text.charAt(i) == '.') {
                lastDot = i;
                i++;
            } else {
                break;
            }
        }
        return end;
    }

    private static boolean isTld(String text, int from, int to) {
        if (to - from < 2) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!Character.isLetter(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
