package io.livesync.loadtest;

/**
 * Open-loop pacing without coordinated omission: the i-th operation is due at {@code start + i *
 * interval}, whatever happened to the ones before it. A sender asks how many operations are due
 * now and stamps each with its intended time, so latency measured from that time includes any
 * delay the sender itself (or a stalled connection) added. Not thread-safe: one per sender.
 */
public final class Pacer {
  private final long startNanos;
  private final double intervalNanos;
  private long issued;

  /** @param ratePerSecond operations per second for this sender; must be positive */
  public Pacer(long startNanos, double ratePerSecond) {
    if (!(ratePerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
    }
    this.startNanos = startNanos;
    this.intervalNanos = 1e9 / ratePerSecond;
  }

  /** When operation {@code i} (0-based) is due. */
  public long intendedTime(long i) {
    return startNanos + (long) (i * intervalNanos);
  }

  /** Operations due by {@code nowNanos} in total (issued or not). */
  public long dueBy(long nowNanos) {
    if (nowNanos < startNanos) {
      return 0;
    }
    return (long) Math.floor((nowNanos - startNanos) / intervalNanos) + 1;
  }

  /** Operations due by now and not yet taken with {@link #next()}. */
  public long pending(long nowNanos) {
    return Math.max(0, dueBy(nowNanos) - issued);
  }

  /** Takes the next due operation and returns its intended time. */
  public long next() {
    return intendedTime(issued++);
  }

  /** Operations taken so far. */
  public long issued() {
    return issued;
  }

  /**
   * Operations that were due by {@code endNanos} but never taken: the sender fell behind (a
   * full socket). Reported so that a rate the generator could not offer is not mistaken for one
   * the server refused.
   */
  public long missedBy(long endNanos) {
    return Math.max(0, dueBy(endNanos - 1) - issued);
  }
}
