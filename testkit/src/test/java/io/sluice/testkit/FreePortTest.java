package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ports picked for servers that start later are not ones an outgoing connection can take meanwhile:
 * they lie below the kernel's ephemeral range (the kernel gives outgoing connections local ports
 * from that range only), and none is handed out twice.
 */
class FreePortTest {
    @Test
    void portsComeFromBelowTheEphemeralRangeAndAreDistinct() throws Exception {
        int ephemeralLow = Processes.ephemeralLow();
        try (java.io.InputStream in =
                java.nio.file.Files.newInputStream(
                        java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range =
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(ephemeralLow).isEqualTo(Integer.parseInt(range.trim().split("\\s+")[0]));
        }
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            picked.add(Processes.freePort());
        }
        assertThat(picked).allSatisfy(p -> assertThat(p).isBetween(10_000, ephemeralLow - 1));
        assertThat(new HashSet<>(picked)).hasSameSizeAs(picked);
    }
}
