package io.livesync.loadtest;

import io.livesync.protocol.Hlc;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends inserts on one connection to one collection, either paced (open loop: each write is
 * stamped with the time it was due) or with a fixed window of writes that are not yet complete
 * (closed loop: acked and delivered to every subscriber). The opId carries the stamp, so the ack
 * needs no lookup: {@code <run>.<writer>.<n>.<micros>}. Confined to the client's event loop,
 * except {@link #completed}.
 *
 * <p>In the closed loop a writer answered {@code unavailable} or {@code rate_limited} sends
 * nothing for {@value #BACKOFF_MICROS} us, as a client backs off: re-filling the window at once
 * would turn a server that sheds load into a retry storm that measures rejections.
 */
final class Writer {
  private static final int MAX_BURST = 5_000;
  private static final long STALL_MICROS = 2_000_000;
  private static final long BACKOFF_MICROS = 100_000;

  final Client client;
  final int index;
  private final Run run;
  private final int collection;
  private final Hlc hlc;
  private final String idPrefix;
  private final String opPrefix;
  private final String padding;
  private final Pacer pacer;
  private final long limit;
  private final int ids;
  private final AtomicLong completed = new AtomicLong();
  private long sentCount;
  private long answered;
  private long lastCompletionMicros;
  private long lastCompletedSeen;
  private long pausedUntilMicros;
  private boolean stopped;
  private long endNanos = Long.MAX_VALUE;

  /**
   * @param pacer null for closed loop
   * @param limit most writes to send (Long.MAX_VALUE for no limit)
   */
  Writer(Run run, Client client, int index, int collection, Pacer pacer, long limit, int ids) {
    this.run = run;
    this.client = client;
    this.index = index;
    this.collection = collection;
    this.pacer = pacer;
    this.limit = limit;
    this.ids = ids;
    this.hlc = new Hlc("lt" + index);
    this.idPrefix = "r" + index + "-";
    this.opPrefix = run.runId + "." + index + ".";
    this.padding = "x".repeat(Math.max(1, run.opts.dataBytes() - 33));
    client.writer = this;
  }

  long sent() {
    return sentCount;
  }

  long answered() {
    return answered;
  }

  void stop() {
    stopped = true;
  }

  /** Paced writes due before {@code at} are the last ones sent (open loop). */
  void endAt(long at) {
    endNanos = at;
  }

  /** Paced writes that were due before the end but never sent. */
  long missed() {
    return pacer == null || endNanos == Long.MAX_VALUE ? 0 : pacer.missedBy(endNanos);
  }

  /** Called every millisecond on the client's event loop and after each completion there. */
  void tick() {
    if (stopped || !client.isOpen()) {
      return;
    }
    int burst = 0;
    if (pacer != null) {
      long now = System.nanoTime();
      while (sentCount < limit && pacer.pending(now) > 0
          && pacer.intendedTime(pacer.issued()) < endNanos && !client.writeQueueFull()
          && burst++ < MAX_BURST) {
        send(run.micros(pacer.next()));
      }
      return;
    }
    long nowMicros = run.nowMicros();
    long done = completed.get();
    if (done != lastCompletedSeen) {
      lastCompletedSeen = done;
      lastCompletionMicros = nowMicros;
    } else if (answered - done > 0 && nowMicros - lastCompletionMicros > STALL_MICROS) {
      // acked changes that will never be counted (they reached a subscriber inside a catch-up
      // page): give their slots back rather than stall the closed loop. Writes not yet answered
      // keep theirs, so the server never holds more than the window.
      run.stats.stalled.add(answered - done);
      completed.addAndGet(answered - done);
      lastCompletionMicros = nowMicros;
    }
    if (nowMicros < pausedUntilMicros) {
      return;
    }
    while (sentCount < limit && sentCount - completed.get() < run.opts.inflight()
        && !client.writeQueueFull() && burst++ < MAX_BURST) {
      send(nowMicros);
    }
  }

  private void send(long tMicros) {
    long n = sentCount++;
    String id = idPrefix + (n % ids);
    String text = new StringBuilder(160 + padding.length())
        .append("{\"type\":\"insert\",\"opId\":\"").append(opPrefix).append(n).append('.')
        .append(tMicros).append("\",\"collection\":\"").append(run.collectionName(collection))
        .append("\",\"id\":\"").append(id).append("\",\"ts\":\"").append(hlc.now())
        .append("\",\"data\":{\"ltT\":").append(tMicros).append(",\"ltW\":").append(index)
        .append(",\"p\":\"").append(padding).append("\"}}").toString();
    run.stats.sent.increment();
    client.send(text);
  }

  void onAck(byte[] b, int len) {
    String opId = Frames.stringAfter(b, len, Frames.OP_ID);
    long t = tOf(opId);
    if (t < 0) {
      return;
    }
    answered++;
    Stats s = run.stats;
    s.acks.increment();
    Stats.record(s.ack, run.nowMicros() - t);
    String status = Frames.stringAfter(b, len, Frames.STATUS);
    s.ackStatus(status == null ? "unknown" : status);
    if ("applied".equals(status) || "merged".equals(status)) {
      s.changesCommitted.increment();
      long seq = Frames.longAfter(b, len, Frames.SEQ, -1);
      run.changesCommitted(collection, seq);
      run.tracker.event(collection, seq, index, t);
    } else {
      completed(t, false);
    }
  }

  void onError(String opId, String code) {
    if (tOf(opId) >= 0) {
      answered++;
      if (pacer == null && ("unavailable".equals(code) || "rate_limited".equals(code))) {
        pausedUntilMicros = run.nowMicros() + BACKOFF_MICROS;
      }
      completed(0, false);
    }
  }

  /** A write finished (any thread); records the all-delivered latency when {@code record}. */
  void completed(long tMicros, boolean record) {
    if (record) {
      Stats.record(run.stats.complete, run.nowMicros() - tMicros);
    }
    completed.incrementAndGet();
    if (pacer == null && client.onLoopThread()) {
      tick();
    }
  }

  /** The stamp in one of this run's opIds, or -1 for another opId. */
  private long tOf(String opId) {
    if (opId == null || !opId.startsWith(opPrefix)) {
      return -1;
    }
    int dot = opId.lastIndexOf('.');
    try {
      return Long.parseLong(opId, dot + 1, opId.length(), 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
