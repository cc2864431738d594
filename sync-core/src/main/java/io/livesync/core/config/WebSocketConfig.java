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
 * @param maxConnections open WebSockets the process holds at most, across its gateway
 *     instances; a handshake beyond it is refused with HTTP 503 before authentication (default:
 *     one per 16 KiB of the JVM's maximum heap, at least 1,000,
 *     {@link #defaultMaxConnections()}; env {@code SYNC_MAX_CONNECTIONS})
 */
public record WebSocketConfig(long pingIntervalMillis, List<String> allowedOrigins,
    boolean compression, long maxTotalBacklogBytes, int maxConnections) {

  /** Heap set aside per connection by {@link #defaultMaxConnections()}. */
  static final long HEAP_PER_CONNECTION = 16 * 1024;

  /**
   * One connection per 16 KiB of the JVM's maximum heap, at least 1,000: an idle connection holds
   * 2.3 KiB of heap (docs/benchmarks.md), so this leaves about seven times that for connections
   * that are busy, and a process at the cap still has most of its heap for everything else. A
   * 2 GiB heap allows 131,072 connections; a 512 MiB one 32,768.
   */
  public static int defaultMaxConnections() {
    return (int) Math.min(Integer.MAX_VALUE,
        Math.max(1_000, Runtime.getRuntime().maxMemory() / HEAP_PER_CONNECTION));
  }

  /**
   * A quarter of the JVM's maximum heap. Queued output is held in direct buffers, whose limit
   * defaults to the maximum heap size ({@code -XX:MaxDirectMemorySize} unset), so a thousand slow
   * sockets at the per-connection limit cannot exhaust it.
   */
  public static long defaultMaxTotalBacklogBytes() {
    return Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4);
  }
}
