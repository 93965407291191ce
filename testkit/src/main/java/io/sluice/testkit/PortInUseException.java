package io.sluice.testkit;

/** A server could not start because another program already uses its port. */
public final class PortInUseException extends IllegalStateException {
    private final int port;

    PortInUseException(String server, int port) {
        super(
                server
                        + " cannot start: port "
                        + port
                        + " on 127.0.0.1 is already in use by another program");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
