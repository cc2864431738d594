package io.livesync.loadtest;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Knows when a committed write has been acked and delivered to every subscriber of its
 * collection: each of those events bumps a counter in a ring slot keyed by the change's seq,
 * and the event that brings it to {@code subscribers + 1} completes the write. That gives the
 * "delivered everywhere" latency and frees a closed-loop writer's window slot. Thread-safe.
 *
 * <p>An event loop counts its events in a table of its own and adds them to the shared ring
 * once per seq at the end of its current task batch: a thousand subscribers on two loops would
 * otherwise bounce the slot's cache line between the cores a thousand times per change. The
 * counts stay exact; completion is seen at most one event-loop turn later.
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
  private final ThreadLocal<LoopCounts> perLoop = ThreadLocal.withInitial(LoopCounts::new);

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
    Context ctx = Vertx.currentContext();
    if (ctx == null || !ctx.isEventLoopContext()) {
      add(collection, seq, 1, writer, tMicros);
      return;
    }
    LoopCounts counts = perLoop.get();
    counts.count(collection, seq, writer, tMicros);
    if (!counts.scheduled) {
      counts.scheduled = true;
      ctx.runOnContext(counts.publish);
    }
  }

  private void add(int collection, long seq, int events, int writer, long tMicros) {
    AtomicIntegerArray ring = rings[collection];
    int slot = (int) (seq & mask);
    if (ring.addAndGet(slot, events) == subscribers[collection] + 1) {
      ring.set(slot, 0);
      completion.completed(writer, tMicros);
    }
  }

  private static int ceilLog2(int n) {
    return 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
  }

  /** One event loop's counts since its last publish: an open-addressed table keyed by seq. */
  private final class LoopCounts {
    private int[] collections = new int[256];
    private long[] seqs = new long[256];
    private int[] events = new int[256];
    private int[] writers = new int[256];
    private long[] stamps = new long[256];
    private int[] used = new int[128];
    private int size;
    private boolean publishing;
    boolean scheduled;
    final io.vertx.core.Handler<Void> publish = v -> publish();

    void count(int collection, long seq, int writer, long tMicros) {
      if (publishing) {
        add(collection, seq, 1, writer, tMicros);
        return;
      }
      if (size * 2 >= seqs.length) {
        grow();
      }
      insert(collection, seq, 1, writer, tMicros);
    }

    private void insert(int collection, long seq, int n, int writer, long tMicros) {
      int m = seqs.length - 1;
      int i = (int) ((seq * 0x9E3779B97F4A7C15L + collection) >>> 40) & m;
      while (events[i] != 0) {
        if (seqs[i] == seq && collections[i] == collection) {
          events[i] += n;
          return;
        }
        i = (i + 1) & m;
      }
      collections[i] = collection;
      seqs[i] = seq;
      events[i] = n;
      writers[i] = writer;
      stamps[i] = tMicros;
      used[size++] = i;
    }

    private void grow() {
      int n = size;
      int[] oldUsed = used;
      int[] c = collections;
      long[] s = seqs;
      int[] e = events;
      int[] w = writers;
      long[] t = stamps;
      int cap = seqs.length * 2;
      collections = new int[cap];
      seqs = new long[cap];
      events = new int[cap];
      writers = new int[cap];
      stamps = new long[cap];
      used = new int[cap / 2];
      size = 0;
      for (int k = 0; k < n; k++) {
        int i = oldUsed[k];
        insert(c[i], s[i], e[i], w[i], t[i]);
      }
    }

    private void publish() {
      scheduled = false;
      publishing = true;
      try {
        for (int k = 0; k < size; k++) {
          int i = used[k];
          int e = events[i];
          events[i] = 0;
          add(collections[i], seqs[i], e, writers[i], stamps[i]);
        }
      } finally {
        size = 0;
        publishing = false;
      }
    }
  }
}
