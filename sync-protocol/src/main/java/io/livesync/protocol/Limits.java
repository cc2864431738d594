package io.livesync.protocol;

/**
 * The protocol's limits (PROTOCOL.md 2.6). Every field is configurable on the server; the
 * defaults are those of the protocol.
 *
 * @param maxFrameBytes largest WebSocket frame or message accepted, in bytes (1 MiB)
 * @param maxDataBytes largest record {@code data}, serialized as UTF-8 JSON, in bytes (256 KiB)
 * @param maxDepth deepest nesting of objects and arrays inside {@code data}; the data object
 *     itself is depth 1 (32)
 * @param maxSubscriptions subscriptions per connection (256)
 * @param maxWritesPerSecond writes per second per connection before {@code rate_limited} (1000)
 * @param maxBacklogBytes outbound bytes queued for one connection before the slow-consumer rule
 *     applies (4 MiB)
 * @param maxHttpBodyBytes largest HTTP request body, in bytes (4 MiB)
 * @param maxPushWrites writes in one {@code POST /v1/sync/push} (500)
 * @param maxClockSkewMillis how far a write's ts may be ahead of the server clock (60 s)
 * @param maxPageSize largest catch-up / pull / list page (500)
 */
public record Limits(
    int maxFrameBytes, int maxDataBytes, int maxDepth, int maxSubscriptions,
    int maxWritesPerSecond, long maxBacklogBytes, long maxHttpBodyBytes, int maxPushWrites,
    long maxClockSkewMillis, int maxPageSize) {

  public static final Limits DEFAULTS = new Limits(
      1 << 20, 256 << 10, 32, 256, 1000, 4L << 20, 4L << 20, 500, 60_000, 500);

  public Limits {
    positive("maxFrameBytes", maxFrameBytes);
    positive("maxDataBytes", maxDataBytes);
    positive("maxDepth", maxDepth);
    positive("maxSubscriptions", maxSubscriptions);
    positive("maxWritesPerSecond", maxWritesPerSecond);
    positive("maxBacklogBytes", maxBacklogBytes);
    positive("maxHttpBodyBytes", maxHttpBodyBytes);
    positive("maxPushWrites", maxPushWrites);
    positive("maxClockSkewMillis", maxClockSkewMillis);
    positive("maxPageSize", maxPageSize);
    if (maxDepth > Json.PARSER_MAX_DEPTH - 2) {
      throw new IllegalArgumentException(
          "limits.maxDepth must be at most " + (Json.PARSER_MAX_DEPTH - 2) + ", was " + maxDepth);
    }
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException("limits." + name + " must be > 0, was " + value);
    }
  }
}
