package io.livesync.core.config;

import java.util.List;

/**
 * The WebSocket edge.
 *
 * @param pingIntervalMillis server ping interval; a connection silent for two intervals is
 *     closed with 1008 (default 30 s)
 * @param allowedOrigins Origin values allowed to open a socket; empty allows any (default empty;
 *     env {@code SYNC_ALLOWED_ORIGINS}, comma separated)
 * @param compression negotiate permessage-deflate (default false); when on, inflated messages
 *     are bounded by the frame limit
 */
public record WebSocketConfig(long pingIntervalMillis, List<String> allowedOrigins,
    boolean compression) {
}
