package io.livesync.loadtest;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Knows when a committed write has been acked and delivered to every subscriber of its
 * collection: each of those events bumps a counter in a ring slot keyed by the change's seq,
 * and the event that brings it to {@code subscribers + 1} completes the write. That gives the
 * "delivered everywhere" latency and frees a closed-loop writer's window slot. Thread-safe.
 *
 * <p>The ring holds {@code 2^bits} seqs per collection; a subscriber more than that many seqs
 * behind its writer would alias slots, which the closed loop's window never allows.
 */
final class DeliveryTracker {
  interface Completion {
    void completed(int writer, long tMicros);
  }

  private final AtomicIntegerArray[] rings;
  private final int mask;
  private final int[] subscribers;
  private final Completion completion;

  DeliveryTracker(int collections, int[] subscribers, Completion completion) {
    int bits = Math.max(10, Math.min(16, 22 - ceilLog2(collections)));
    this.mask = (1 << bits) - 1;
    this.rings = new AtomicIntegerArray[collections];
    for (int i = 0; i < collections; i++) {
      rings[i] = new AtomicIntegerArray(1 << bits);
    }
    this.subscribers = subscribers;
    this.completion = completion;
  }

  /** One event (the ack or one delivery) for the change {@code seq} written by writer w at t. */
  void event(int collection, long seq, int writer, long tMicros) {
    AtomicIntegerArray ring = rings[collection];
    int slot = (int) (seq & mask);
    if (ring.incrementAndGet(slot) == subscribers[collection] + 1) {
      ring.set(slot, 0);
      completion.completed(writer, tMicros);
    }
  }

  private static int ceilLog2(int n) {
    return 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
  }
}
