package io.livesync.client.impl;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the delay before attempt {@code n} (0-based) is uniform
 * in {@code [0, min(cap, base * 2^n)]}. Full jitter spreads the reconnects of many clients after
 * a server restart instead of synchronizing them.
 */
final class Backoff {
  private final long baseMillis;
  private final long capMillis;
  private final DoubleSupplier random;

  Backoff(Duration base, Duration cap, DoubleSupplier random) {
    this.baseMillis = Math.max(1, base.toMillis());
    this.capMillis = Math.max(this.baseMillis, cap.toMillis());
    this.random = random;
  }

  /** The ceiling of the delay before attempt {@code attempt}. */
  long ceilingMillis(int attempt) {
    int shift = Math.min(Math.max(attempt, 0), 62);
    long ceiling = baseMillis << shift;
    if (ceiling >>> shift != baseMillis || ceiling <= 0) {
      return capMillis; // overflowed
    }
    return Math.min(capMillis, ceiling);
  }

  /** A random delay for attempt {@code attempt}, in milliseconds. */
  long delayMillis(int attempt) {
    return (long) (random.getAsDouble() * ceilingMillis(attempt));
  }
}
