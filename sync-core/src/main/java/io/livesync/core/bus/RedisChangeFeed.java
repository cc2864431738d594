package io.livesync.core.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.bus.SyncBus.Subscription;
import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.core.store.RedisKeys;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each subscribed collection's changes from Redis pub/sub, in seq order, and repairs
 * what pub/sub loses. Per collection it remembers the last seq delivered (and the epoch):
 *
 * <ul>
 *   <li>a message carries one change, or the changes of one commit script call in seq order
 *       (a JSON array), each taken in turn as below; the changes delivered together reach each
 *       handler's context in one task;
 *   <li>a change with the next seq is delivered; an older one is dropped (already delivered);
 *   <li>a change with a later seq (a message was lost), a reconnect of the pub/sub connection,
 *       or a poll that sees the collection's seq ahead of the last seq delivered for a whole
 *       interval (the last message was lost) starts a catch-up: the store's changes since the
 *       last seq, delivered as full-state items (op insert/delete; seqs may skip);
 *   <li>while catching up, live messages are not delivered; a message or poll meanwhile makes
 *       the catch-up run another round, so nothing published meanwhile is missed;
 *   <li>a new epoch (the Redis history was lost) is told to every handler's {@code newHistory},
 *       then delivery restarts from seq 0 of the new history.
 * </ul>
 *
 * <p>One Redis subscription per collection, shared (reference counted) by every handler of the
 * process. Confined to the bus context; handlers run on their own contexts.
 */
final class RedisChangeFeed {
  private static final Logger LOG = LoggerFactory.getLogger(RedisChangeFeed.class);
  private static final int PAGE = 500;
  private static final long MAX_RETRY_MILLIS = 2_000;

  private final ContextInternal ctx;
  private final RedisSubscriber subscriber;
  private final Store store;
  private final long pollIntervalMillis;
  private final Map<String, Feed> feeds = new HashMap<>();
  private long pollTimer = -1;
  private boolean closed;

  RedisChangeFeed(ContextInternal ctx, RedisSubscriber subscriber, Store store,
      long pollIntervalMillis) {
    this.ctx = ctx;
    this.subscriber = subscriber;
    this.store = store;
    this.pollIntervalMillis = pollIntervalMillis;
  }

  /** One handler, whom to tell of a new history, and the context both run on. */
  private record Sink(Handler<Change> handler, Handler<String> newHistory, Context context) {
  }

  /** A subscribed collection. */
  private static final class Feed {
    final String collection;
    final List<Sink> sinks = new ArrayList<>();
    final Promise<Void> ready;
    String epoch;
    long lastSeq = -1;
    boolean catchingUp;
    boolean dirty;
    /**
     * Since the pub/sub connection came back (Redis may have restarted without its last
     * writes), no change has yet continued from {@link #lastSeq}: {@link #position} vouches.
     */
    boolean unconfirmed;
    long seenByPoll;
    int failures;

    Feed(String collection, Promise<Void> ready) {
      this.collection = collection;
      this.ready = ready;
    }

    boolean isReady() {
      return lastSeq >= 0;
    }
  }

  /** How far the feed of a collection has delivered: what a gateway witnessed of its history. */
  record Position(String epoch, long seq) {
  }

  /**
   * The epoch and the last seq delivered of a subscribed collection while they are worth telling:
   * from a reconnect of the pub/sub connection (Redis may have come back without its last
   * writes) until a live change continues from that seq, or a new epoch comes. Null otherwise,
   * and when this process does not follow the collection. After a lost tail the last seq stays
   * the highest delivered, above what Redis now holds. On the bus context.
   */
  Position position(String collection) {
    Feed feed = feeds.get(collection);
    return feed == null || !feed.unconfirmed || feed.epoch == null || feed.lastSeq <= 0 ? null
        : new Position(feed.epoch, feed.lastSeq);
  }

  /** On the bus context. */
  Future<Subscription> subscribe(String collection, Handler<Change> handler,
      Handler<String> newHistory, Context context) {
    Sink sink = new Sink(handler, newHistory, context);
    Feed feed = feeds.get(collection);
    if (feed == null) {
      feed = new Feed(collection, ctx.promise());
      feeds.put(collection, feed);
      start(feed);
    }
    feed.sinks.add(sink);
    Feed f = feed;
    Subscription subscription = () -> {
      Promise<Void> done = ctx.promise();
      ctx.runOnContext(v -> unsubscribe(f, sink).onComplete(done));
      return done.future();
    };
    return feed.ready.future().map(subscription).onFailure(err -> f.sinks.remove(sink));
  }

  private void start(Feed feed) {
    if (pollTimer < 0 && !closed) {
      pollTimer = ctx.setTimer(pollIntervalMillis, this::poll);
    }
    subscriber.subscribe(RedisKeys.changes(feed.collection))
        .compose(v -> store.collection(feed.collection))
        .onComplete(ar -> ctx.runOnContext(v -> {
          if (ar.failed()) {
            if (feeds.get(feed.collection) == feed) {
              feeds.remove(feed.collection);
              subscriber.unsubscribe(RedisKeys.changes(feed.collection));
            }
            feed.ready.fail(ar.cause());
            return;
          }
          feed.epoch = ar.result().epoch();
          feed.lastSeq = ar.result().seq();
          feed.seenByPoll = feed.lastSeq;
          feed.ready.complete();
          if (feed.dirty) {
            catchUp(feed);
          }
        }));
  }

  private Future<Void> unsubscribe(Feed feed, Sink sink) {
    feed.sinks.remove(sink);
    if (!feed.sinks.isEmpty() || feeds.get(feed.collection) != feed) {
      return Future.succeededFuture();
    }
    feeds.remove(feed.collection);
    return subscriber.unsubscribe(RedisKeys.changes(feed.collection));
  }

  /** A pub/sub message on a change channel. */
  void message(String channel, String payload) {
    String collection = RedisKeys.collectionOfChannel(channel);
    Feed feed = collection == null ? null : feeds.get(collection);
    if (feed == null) {
      return;
    }
    // one change object, or an array of the changes one commit script made (in seq order)
    List<ObjectNode> nodes = new ArrayList<>();
    List<Change> changes = new ArrayList<>();
    try {
      JsonNode root = Json.parse(payload);
      if (root.isArray()) {
        root.forEach(n -> nodes.add((ObjectNode) n));
      } else {
        nodes.add((ObjectNode) root);
      }
      for (ObjectNode n : nodes) {
        changes.add(Codec.decodeChange(n));
      }
    } catch (RuntimeException e) {
      LOG.warn("undecodable change on {}: {}", channel, e.getClass().getSimpleName());
      feed.dirty = true;
      return;
    }
    if (!feed.isReady() || feed.catchingUp) {
      feed.dirty = true;
      return;
    }
    List<Change> next = new ArrayList<>(changes.size());
    for (int i = 0; i < changes.size(); i++) {
      Change change = changes.get(i);
      String epoch = nodes.get(i).path("epoch").asText(null);
      if (epoch != null && !epoch.equals(feed.epoch)) {
        deliver(feed, next);
        newEpoch(feed, epoch);
        catchUp(feed);
        return;
      } else if (change.seq() == feed.lastSeq + 1) {
        // the history goes on from what was delivered: Redis lost nothing of it
        feed.unconfirmed = false;
        feed.lastSeq = change.seq();
        next.add(change);
      } else if (change.seq() > feed.lastSeq + 1) {
        deliver(feed, next);
        catchUp(feed);
        return;
      }
    }
    deliver(feed, next);
  }

  /** The pub/sub connection was lost: anything may have been missed. */
  void reconnected() {
    for (Feed feed : List.copyOf(feeds.values())) {
      feed.unconfirmed = true;
      if (feed.isReady()) {
        catchUp(feed);
      }
    }
  }

  private void poll(long timer) {
    pollTimer = -1;
    if (closed || feeds.isEmpty()) {
      return;
    }
    List<Future<?>> checks = new ArrayList<>();
    for (Feed feed : List.copyOf(feeds.values())) {
      if (!feed.isReady() || feed.catchingUp) {
        continue;
      }
      checks.add(store.collection(feed.collection).onComplete(ar -> ctx.runOnContext(v -> {
        if (ar.failed() || feeds.get(feed.collection) != feed || feed.catchingUp) {
          return;
        }
        if (!Objects.equals(ar.result().epoch(), feed.epoch)) {
          newEpoch(feed, ar.result().epoch());
          catchUp(feed);
        } else if (feed.lastSeq < feed.seenByPoll) {
          // the previous poll saw this seq and its message still has not come: it was lost
          catchUp(feed);
        }
        feed.seenByPoll = ar.result().seq();
      })));
    }
    Future.join(checks).onComplete(ar -> ctx.runOnContext(v -> {
      if (!closed && pollTimer < 0 && !feeds.isEmpty()) {
        pollTimer = ctx.setTimer(pollIntervalMillis, this::poll);
      }
    }));
  }

  private void newEpoch(Feed feed, String epoch) {
    LOG.warn("collection {} has a new epoch {} (was {}): its Redis history was lost; delivering "
        + "the new history from seq 0", feed.collection, epoch, feed.epoch);
    feed.epoch = epoch;
    feed.lastSeq = 0;
    feed.seenByPoll = 0;
    feed.unconfirmed = false;
    for (Sink sink : List.copyOf(feed.sinks)) {
      sink.context().runOnContext(v -> {
        try {
          sink.newHistory().handle(epoch);
        } catch (RuntimeException e) {
          LOG.error("a new-history handler of {} failed", feed.collection, e);
        }
      });
    }
  }

  private void catchUp(Feed feed) {
    if (feed.catchingUp) {
      feed.dirty = true;
      return;
    }
    feed.catchingUp = true;
    feed.dirty = false;
    page(feed);
  }

  private void page(Feed feed) {
    if (closed || feeds.get(feed.collection) != feed) {
      feed.catchingUp = false;
      return;
    }
    store.changesSince(feed.collection, feed.lastSeq, PAGE)
        .onComplete(ar -> ctx.runOnContext(v -> {
          if (ar.failed()) {
            feed.failures++;
            long delay = Math.min(MAX_RETRY_MILLIS, 50L << Math.min(feed.failures, 7));
            LOG.debug("catch-up of {} failed ({}); retrying in {} ms", feed.collection,
                ar.cause().toString(), delay);
            ctx.setTimer(delay, t -> page(feed));
            return;
          }
          feed.failures = 0;
          ChangesPage page = ar.result();
          if (!Objects.equals(page.info().epoch(), feed.epoch)) {
            newEpoch(feed, page.info().epoch());
            page(feed);
            return;
          }
          List<Change> items = new ArrayList<>(page.records().size());
          for (StoredRecord r : page.records()) {
            if (r.seq() > feed.lastSeq) {
              items.add(Change.ofRecord(r.toSyncRecord()));
            }
          }
          feed.lastSeq = Math.max(feed.lastSeq, page.cursor());
          deliver(feed, items);
          if (page.hasMore() || feed.dirty) {
            feed.dirty = false;
            page(feed);
          } else {
            feed.catchingUp = false;
          }
        }));
  }

  private void deliver(Feed feed, List<Change> changes) {
    if (changes.isEmpty()) {
      return;
    }
    for (Sink sink : List.copyOf(feed.sinks)) {
      sink.context().runOnContext(v -> {
        for (Change c : changes) {
          try {
            sink.handler().handle(c);
          } catch (RuntimeException e) {
            LOG.error("a change handler of {} failed", feed.collection, e);
          }
        }
      });
    }
  }

  void close() {
    closed = true;
    if (pollTimer >= 0) {
      ctx.owner().cancelTimer(pollTimer);
      pollTimer = -1;
    }
    feeds.clear();
  }
}
