package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ports picked for servers that start later are not ones an outgoing connection can take meanwhile:
 * they lie below the kernel's ephemeral range, and none is handed out twice.
 */
class FreePortTest {
    @Test
    void portsComeFromBelowTheEphemeralRangeAndAreDistinct() throws Exception {
        int ephemeralLow = Processes.ephemeralRange()[0];
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            picked.add(Processes.freePort());
        }
        assertThat(picked).allSatisfy(p -> assertThat(p).isBetween(10_000, ephemeralLow - 1));
        assertThat(new HashSet<>(picked)).hasSameSizeAs(picked);
    }

    @Test
    void outgoingConnectionsDoNotTakeAPickedPort() throws Exception {
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            picked.add(Processes.freePort());
        }
        // many outgoing connections, each with a local ephemeral port, as a started server's
        int target = Processes.freePort();
        try (java.net.ServerSocket server =
                new java.net.ServerSocket(target, 500, InetAddress.getLoopbackAddress())) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    Socket c = new Socket();
                    c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
                    clients.add(c);
                    assertThat(picked).doesNotContain(c.getLocalPort());
                }
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
        }
    }
}
