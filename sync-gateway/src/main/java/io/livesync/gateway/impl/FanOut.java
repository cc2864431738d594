package io.livesync.gateway.impl;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.spi.OnContext;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One gateway instance's live fan-out: one bus subscription per collection, shared by every
 * socket of this instance subscribed to it (reference counted). Each change is encoded to UTF-8
 * once and the same bytes are written to every subscriber (by reference to one off-heap copy
 * when the change is its socket's only message of the event-loop turn, else copied into the
 * socket's buffer of the turn; written and flushed once per socket at the end of the turn, see
 * {@link Flusher}). The changes of one turn go out subscriber by subscriber ({@link
 * #PASS_MAX_BYTES}). Confined to the instance's event loop.
 */
final class FanOut {
  private final SyncBus bus;
  private final Context context;
  private final Map<String, Topic> topics = new HashMap<>();

  FanOut(SyncBus bus, Context context) {
    this.bus = bus;
    this.context = context;
  }

  /** Adds a subscriber; completes once changes committed from now on will reach it. */
  Future<Void> join(CollectionSub sub) {
    Topic topic = topics.get(sub.collection());
    if (topic == null) {
      Topic created = new Topic(sub.collection(), context);
      topics.put(sub.collection(), created);
      created.registration = OnContext.hop(context,
          bus.subscribe(sub.collection(), c -> {
            if (io.vertx.core.Vertx.currentContext() == context) {
              created.accept(c);
            } else {
              context.runOnContext(v -> created.accept(c));
            }
          }, epoch -> {
            if (io.vertx.core.Vertx.currentContext() == context) {
              created.historyReplaced(epoch);
            } else {
              context.runOnContext(v -> created.historyReplaced(epoch));
            }
          }));
      created.registration.onFailure(err -> topics.remove(sub.collection(), created));
      topic = created;
    }
    topic.members.add(sub);
    return topic.registration.mapEmpty();
  }

  void leave(CollectionSub sub) {
    Topic topic = topics.get(sub.collection());
    if (topic == null || !topic.members.remove(sub) || !topic.members.isEmpty()) {
      return;
    }
    topics.remove(sub.collection());
    topic.registration.onSuccess(SyncBus.Subscription::unsubscribe);
  }

  /**
   * The changes of one event-loop turn (a commit batch arrives as one bus message) go out
   * together after the turn, subscriber by subscriber: each socket's state and buffer are
   * touched once for all of them, not once per change, and the few changes' bytes stay in the
   * CPU cache across the thousand sockets. Each subscriber still sees the changes in the order
   * the bus delivered them. Passes hold at most this many bytes of frames, so that the shared
   * off-heap copies of a batch of large changes are bounded.
   */
  static final int PASS_MAX_BYTES = 256 * 1024;

  private static final class Topic {
    final String collection;
    final Context context;
    final Set<CollectionSub> members = new LinkedHashSet<>();
    Future<SyncBus.Subscription> registration;
    /** Changes received in this turn, in bus order; delivered by {@link #deliverQueued}. */
    private List<Change> queued = new ArrayList<>();
    private final Handler<Void> deliverQueued = v -> deliverQueued();

    Topic(String collection, Context context) {
      this.collection = collection;
      this.context = context;
    }

    /** A change from the bus, on the context: queued, delivered after the current task. */
    void accept(Change change) {
      if (queued.isEmpty()) {
        context.runOnContext(deliverQueued);
      }
      queued.add(change);
    }

    /**
     * The collection's history was replaced: the changes queued so far (of the old history) go
     * out first, then every member learns of the new epoch, before any change of it.
     */
    void historyReplaced(String epoch) {
      if (!queued.isEmpty()) {
        deliverQueued();
      }
      for (CollectionSub member : List.copyOf(members)) {
        member.historyReplaced(epoch);
      }
    }

    private void deliverQueued() {
      List<Change> changes = queued;
      queued = new ArrayList<>();
      List<OutboundFrame> frames = new ArrayList<>(Math.min(changes.size(), 64));
      int from = 0;
      while (from < changes.size() && !members.isEmpty()) {
        int bytes = 0;
        int to = from;
        frames.clear();
        while (to < changes.size() && (to == from || bytes < PASS_MAX_BYTES)) {
          OutboundFrame encoded = OutboundFrame.text(Codec.change(changes.get(to)));
          frames.add(encoded);
          bytes += encoded.wireLength();
          to++;
        }
        pass(changes.subList(from, to), frames);
        from = to;
      }
    }

    /** Gives every member the changes, member by member, each in order. */
    private void pass(List<Change> changes, List<OutboundFrame> frames) {
      try {
        if (members.size() > 1) {
          // one off-heap copy for every subscriber: a large frame, or a small one that is the
          // only frame of its socket's turn, is written by reference to it, not copied
          for (OutboundFrame f : frames) {
            f.shareDirect(ByteBufAllocator.DEFAULT);
          }
        }
        for (CollectionSub member : members) {
          for (int i = 0; i < frames.size(); i++) {
            member.onLive(changes.get(i), frames.get(i));
          }
        }
      } finally {
        for (OutboundFrame f : frames) {
          f.endShare();
        }
      }
    }
  }
}
