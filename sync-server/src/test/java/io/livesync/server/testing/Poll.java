package io.livesync.server.testing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting for an outside state that has no event to wait on (an HTTP probe, Redis, the store). */
public final class Poll {
  private Poll() {
  }

  /**
   * Checks {@code condition} every 50 ms until it holds, bounded in time and count; returns the
   * milliseconds it took.
   */
  public static long until(String what, long timeoutMillis, BooleanSupplier condition) {
    long start = System.nanoTime();
    if (!within(timeoutMillis, condition)) {
      throw new AssertionError("not " + what + " within " + timeoutMillis + " ms");
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** Like {@link #until}, but answers whether the condition came to hold in time. */
  public static boolean within(long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (int i = 0; i < 100_000; i++) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    return false;
  }
}
