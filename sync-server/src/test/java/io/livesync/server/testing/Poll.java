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
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (int i = 0; i < 100_000; i++) {
      if (condition.getAsBoolean()) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      }
      if (System.nanoTime() > deadline) {
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError("not " + what + " within " + timeoutMillis + " ms");
  }
}
