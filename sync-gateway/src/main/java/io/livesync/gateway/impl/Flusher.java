package io.livesync.gateway.impl;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;

/**
 * Flushes, once per event-loop turn, every connection of this event loop that wrote something
 * during the turn. A connection gathers the turn's messages in one buffer (in call order) and
 * writes and flushes it here: a change fanned out to a thousand sockets, or a commit batch of a
 * hundred changes to one socket, costs one channel write and one flush (one system call) per
 * socket, not one per message. One instance per event-loop thread; confined to it.
 */
final class Flusher {
  private static final FastThreadLocal<Flusher> PER_LOOP = new FastThreadLocal<>() {
    @Override
    protected Flusher initialValue() {
      return new Flusher();
    }
  };

  private List<Connection> dirty = new ArrayList<>();
  private List<Connection> spare = new ArrayList<>();
  private final Runnable flushAll = this::flushAll;

  /** The flusher of the calling event-loop thread. */
  static Flusher current() {
    return PER_LOOP.get();
  }

  /** Flushes {@code c} after the current task; {@code loop} runs the flush task. */
  void schedule(Connection c, java.util.concurrent.Executor loop) {
    if (dirty.isEmpty()) {
      loop.execute(flushAll);
    }
    dirty.add(c);
  }

  private void flushAll() {
    List<Connection> batch = dirty;
    dirty = spare;
    spare = batch;
    for (Connection c : batch) {
      c.flush();
    }
    batch.clear();
  }
}
