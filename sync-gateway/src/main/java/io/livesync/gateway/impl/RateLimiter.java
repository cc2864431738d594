package io.livesync.gateway.impl;

/**
 * A per-connection write budget: at most {@code perSecond} writes in each one-second window.
 * A connection whose refused writes in one window exceed its budget again is abusive and gets
 * closed with 4008. Confined to the connection's event loop.
 */
final class RateLimiter {
  private final int perSecond;
  private long windowStart;
  private int used;
  private int refused;

  RateLimiter(int perSecond) {
    this.perSecond = perSecond;
  }

  boolean tryAcquire(long nowMillis) {
    if (nowMillis - windowStart >= 1000) {
      windowStart = nowMillis;
      used = 0;
      refused = 0;
    }
    if (used < perSecond) {
      used++;
      return true;
    }
    refused++;
    return false;
  }

  /** True when this window's refused writes exceed a whole budget again. */
  boolean abusive() {
    return refused > perSecond;
  }
}
