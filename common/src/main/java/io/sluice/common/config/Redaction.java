package io.sluice.common.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials taken out of text before it is logged or put in an exception message. A URL or JDBC
 * connection string may carry them: {@code http://user:secret@host:8123}, {@code
 * jdbc:postgresql://host/db?user=u&password=secret}, {@code
 * jdbc:sqlserver://host;user=u;password=secret}. The password of {@code user:password@} is replaced
 * (a lone {@code token@} as a whole), and so is the value of every {@code password}, {@code
 * passwd}, {@code pwd} and {@code secret} parameter; the rest of the text stays, so the message
 * still says which host and database it is about.
 */
public final class Redaction {
    private Redaction() {}

    /** What a credential is replaced by. */
    public static final String HIDDEN = "***";

    /**
     * {@code scheme://userinfo@}: the userinfo runs to the last {@code @} before the host's end, so
     * a password with an unencoded {@code @} is hidden whole.
     */
    private static final Pattern USERINFO =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.\\-]*://)([^\\s/?#]*)@");

    /** A password parameter of a query string or a JDBC property list, up to its separator. */
    private static final Pattern PASSWORD_PARAMETER =
            Pattern.compile(
                    "(?i)(?<=[?&;\\s,]|^)((?:password|passwd|pwd|secret)\\s*=\\s*)[^&;\\s,'\"]*");

    /** {@code text} with the credentials of every URL and connection string in it hidden. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        Matcher m = USERINFO.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        while (m.find()) {
            String userinfo = m.group(2);
            int colon = userinfo.indexOf(':');
            String hidden = colon < 0 ? HIDDEN : userinfo.substring(0, colon + 1) + HIDDEN;
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + hidden + "@"));
        }
        m.appendTail(sb);
        return PASSWORD_PARAMETER
                .matcher(sb)
                .replaceAll(r -> Matcher.quoteReplacement(r.group(1) + HIDDEN));
    }
}
