package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A connection the server closes without answering (as ClickHouse does with a pooled connection
 * whose keep-alive ended): a read is sent once more, a write is not (it may have run).
 */
class ClickHouseQueryRetryTest {
    /** Answers every connection after the first {@code silent} with 200 and {@code body}. */
    private static ServerSocket server(int silent, String body, AtomicInteger requests)
            throws Exception {
        ServerSocket socket = new ServerSocket(0);
        Thread t =
                new Thread(
                        () -> {
                            while (!socket.isClosed()) {
                                try (Socket c = socket.accept()) {
                                    InputStream in = c.getInputStream();
                                    byte[] buf = new byte[8192];
                                    in.read(buf); // the request (small: fits one read)
                                    if (requests.incrementAndGet() <= silent) {
                                        continue; // closed with no bytes back
                                    }
                                    OutputStream out = c.getOutputStream();
                                    byte[] b = body.getBytes(StandardCharsets.UTF_8);
                                    out.write(
                                            ("HTTP/1.1 200 OK\r\nContent-Length: "
                                                            + b.length
                                                            + "\r\nConnection: close\r\n\r\n")
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    out.write(b);
                                } catch (Exception e) {
                                    return;
                                }
                            }
                        });
        t.setDaemon(true);
        t.start();
        return socket;
    }

    @Test
    void aReadIsSentAgainAfterAConnectionClosedWithoutAnAnswer() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (ServerSocket s = server(1, "1\n", requests)) {
            String url = "http://127.0.0.1:" + s.getLocalPort();
            assertThat(ClickHouseServer.query(url, "u", "p", "SELECT 1")).isEqualTo("1\n");
            assertThat(requests.get()).isEqualTo(2);
        }
    }

    @Test
    void anIdempotentCreateIsSentAgain() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (ServerSocket s = server(1, "", requests)) {
            String url = "http://127.0.0.1:" + s.getLocalPort();
            ClickHouseServer.query(url, "u", "p", "CREATE DATABASE IF NOT EXISTS d_1");
            assertThat(requests.get()).isEqualTo(2);
        }
    }

    @Test
    void aWriteIsNotSentAgain() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (ServerSocket s = server(1, "", requests)) {
            String url = "http://127.0.0.1:" + s.getLocalPort();
            assertThatThrownBy(
                            () -> ClickHouseServer.query(url, "u", "p", "INSERT INTO t VALUES (1)"))
                    .hasMessageContaining("is unreachable");
            assertThat(requests.get()).isEqualTo(1);
        }
    }
}
