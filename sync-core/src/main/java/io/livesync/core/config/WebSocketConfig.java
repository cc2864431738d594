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
 * @param maxTotalBacklogBytes outbound bytes queued for all the process's connections together
 *     before the slow-consumer rule applies to every connection holding more than a little of
 *     it (default: a quarter of the JVM's maximum heap, {@link #defaultMaxTotalBacklogBytes()});
 *     {@code limits.maxBacklogBytes} bounds one connection, this bounds them all
 */
public record WebSocketConfig(long pingIntervalMillis, List<String> allowedOrigins,
    boolean compression, long maxTotalBacklogBytes) {

  /**
   * A quarter of the JVM's maximum heap. Queued output is held in direct buffers, whose limit
   * defaults to the maximum heap size ({@code -XX:MaxDirectMemorySize} unset), so a thousand slow
   * sockets at the per-connection limit cannot exhaust it.
   */
  public static long defaultMaxTotalBacklogBytes() {
    return Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4);
  }
}
