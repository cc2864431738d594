package io.livesync.gateway.impl;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.spi.OnContext;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One gateway instance's live fan-out: one bus subscription per collection, shared by every
 * socket of this instance subscribed to it (reference counted). Each change is encoded to UTF-8
 * once and the same bytes are written to every subscriber (copied into each socket's buffer of
 * the event-loop turn, written and flushed once per socket at the end of the turn, see {@link
 * Flusher}). Confined to the instance's event loop.
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
      Topic created = new Topic(sub.collection());
      topics.put(sub.collection(), created);
      created.registration = OnContext.hop(context,
          bus.subscribe(sub.collection(), c -> {
            if (io.vertx.core.Vertx.currentContext() == context) {
              created.deliver(c);
            } else {
              context.runOnContext(v -> created.deliver(c));
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

  private static final class Topic {
    final String collection;
    final Set<CollectionSub> members = new LinkedHashSet<>();
    Future<SyncBus.Subscription> registration;

    Topic(String collection) {
      this.collection = collection;
    }

    void deliver(Change change) {
      if (members.isEmpty()) {
        return;
      }
      OutboundFrame encoded = OutboundFrame.text(Codec.change(change));
      if (members.size() > 1 && !Connection.coalesces(encoded)) {
        // large frames are written by reference, not copied: share one off-heap copy
        encoded.shareDirect(ByteBufAllocator.DEFAULT);
      }
      try {
        for (CollectionSub member : members) {
          member.onLive(change, encoded);
        }
      } finally {
        encoded.endShare();
      }
    }
  }
}
