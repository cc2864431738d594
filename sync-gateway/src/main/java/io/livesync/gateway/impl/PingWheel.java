package io.livesync.gateway.impl;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Pings the connections of one event loop with a single periodic timer instead of one Vert.x
 * timer per connection (about 200 bytes of heap each: the scheduled task, the timer handler,
 * its entry in Vert.x's timer map). The ping interval is split into {@link #SLOTS} ticks; a
 * member belongs to the slot of the tick during which it joined, so its first ping comes one
 * interval after it joined, as with a timer of its own, and the pings of many connections are
 * spread over the interval instead of all at once. Confined to its event loop.
 */
final class PingWheel<T extends PingWheel.Member> {
  static final int SLOTS = 16;

  /** What the wheel needs of a connection. */
  interface Member {
    /** The slot given by {@link #slotForNewMember()} when it joined. */
    int pingSlot();

    /** Its slot came round: ping it, or close it when it has been silent too long. */
    void onPingTick(long nowMillis);
  }

  private final Collection<T> members;
  private final long tickMillis;
  private final List<T> due = new ArrayList<>();
  private int slot;
  private long timer = -1;

  /**
   * @param members the connections to ping, owned by the caller (joining it and leaving it is
   *     all a connection does); read on every tick
   */
  PingWheel(Collection<T> members, long intervalMillis) {
    this.members = members;
    this.tickMillis = Math.max(1, intervalMillis / SLOTS);
  }

  /** The slot for a member joining now: visited next one full turn, one interval, from now. */
  int slotForNewMember() {
    return slot;
  }

  void start(Vertx vertx) {
    timer = vertx.setPeriodic(tickMillis, id -> tick(System.currentTimeMillis()));
  }

  void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Advances one slot and visits its members; a member may leave during its visit. */
  void tick(long nowMillis) {
    slot = (slot + 1) % SLOTS;
    for (T m : members) {
      if (m.pingSlot() == slot) {
        due.add(m);
      }
    }
    try {
      for (T m : due) {
        m.onPingTick(nowMillis);
      }
    } finally {
      due.clear();
    }
  }
}
