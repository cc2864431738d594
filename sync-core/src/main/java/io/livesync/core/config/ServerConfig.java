package io.livesync.core.config;

/**
 * The process: where it listens and what it runs.
 *
 * @param bind address to listen on (default {@code 127.0.0.1}; env {@code SYNC_BIND})
 * @param port HTTP/WebSocket port (default 8080; env {@code SYNC_PORT}; 0 picks a free one)
 * @param role {@code all} (default), {@code gateway} or {@code worker} (env {@code SYNC_ROLE})
 * @param gatewayInstances gateway verticle instances, one per event loop (default: cores)
 * @param drainTimeoutMillis how long SIGTERM waits for in-flight work (default 20 s)
 * @param nodeId the server's HLC node id, stamped on writes that come without ts (default
 *     {@code server})
 * @param demo serve the demo page at {@code /} (default false; env {@code SYNC_DEMO})
 * @param nativeTransport use Netty's native epoll transport when this platform has it, else NIO
 *     (default true; env {@code SYNC_NATIVE_TRANSPORT}); false always uses NIO
 */
public record ServerConfig(String bind, int port, Role role, int gatewayInstances,
    long drainTimeoutMillis, String nodeId, boolean demo, boolean nativeTransport) {
}
