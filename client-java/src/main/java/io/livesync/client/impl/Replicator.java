package io.livesync.client.impl;

import io.livesync.client.SyncEvent;
import io.livesync.protocol.Change;
import io.livesync.protocol.ClientMessage;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Brings server changes into the local store: subscriptions over the socket, pulls over HTTP.
 * Runs on the engine thread.
 *
 * <p>Every opened collection is subscribed from its persisted cursor and epoch. {@code reset},
 * {@code changes} and {@code synced} are handled the same whenever they arrive (after a
 * subscribe or in a slow-consumer catch-up). Live {@code change}s are applied only while the
 * subscription is live: one with seq &lt;= cursor is a duplicate and ignored, one with seq &gt;
 * cursor + 1 means a gap, and the collection is re-subscribed from the cursor (unsubscribe, then
 * subscribe, so the catch-up starts from what is stored).
 */
final class Replicator {
  static final int PULL_PAGE = 500;
  private static final long MIN_RESUBSCRIBE_PAUSE_MILLIS = 100;

  private enum Sub { IDLE, CATCHING_UP, LIVE, FAILED }

  private final Engine engine;
  private final Map<String, Sub> subs = new LinkedHashMap<>();
  private final Set<String> pulled = new HashSet<>();
  private final Map<String, Integer> subscribeFailures = new java.util.HashMap<>();
  private final Backoff backoff;

  Replicator(Engine engine) {
    this.engine = engine;
    this.backoff = new Backoff(engine.settings().reconnectDelay(),
        engine.settings().maxReconnectDelay(),
        () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
  }

  /** A collection was opened: it is replicated from now on. */
  void open(String collection) {
    if (subs.putIfAbsent(collection, Sub.IDLE) == null) {
      WsConnection socket = engine.connection().socket();
      if (socket != null) {
        subscribe(socket, collection);
      }
    }
  }

  void connected(WsConnection socket) {
    pulled.clear();
    for (String c : subs.keySet()) {
      subscribe(socket, c);
    }
  }

  void disconnected() {
    subs.replaceAll((c, s) -> Sub.IDLE);
  }

  /** True when every opened collection is caught up over the socket. */
  boolean allLive() {
    for (Sub s : subs.values()) {
      if (s != Sub.LIVE && s != Sub.FAILED) {
        return false;
      }
    }
    return true;
  }

  /** True when every opened collection was pulled since polling started. */
  boolean allPulled() {
    return pulled.containsAll(subs.keySet());
  }

  private void subscribe(WsConnection socket, String collection) {
    LocalStore.Cursor cur = engine.store().cursor(collection);
    subs.put(collection, Sub.CATCHING_UP);
    socket.send(Codec.encodeClient(
        new ClientMessage.Subscribe(collection, cur.seq(), cur.epoch())));
  }

  private void resubscribe(String collection) {
    WsConnection socket = engine.connection().socket();
    if (socket != null) {
      socket.send(Codec.encodeClient(new ClientMessage.Unsubscribe(collection)));
      subscribe(socket, collection);
    }
  }

  // ---------------------------------------------------------------- socket messages

  void onReset(String collection) {
    if (!subs.containsKey(collection)) {
      return;
    }
    engine.store().beginReset(collection);
    engine.emit(new SyncEvent.CollectionReset(collection));
  }

  void onChanges(String collection, List<Change> items) {
    if (!subs.containsKey(collection)) {
      return;
    }
    for (Change ch : items) {
      engine.hlc().observe(ch.ts());
    }
    engine.viewChanged(collection, engine.store().applyFullStates(collection, items));
  }

  void onSynced(String collection, long seq, String epoch) {
    if (!subs.containsKey(collection)) {
      return;
    }
    engine.viewChanged(collection, engine.store().setCursor(collection, epoch, seq, true));
    subs.put(collection, Sub.LIVE);
    subscribeFailures.remove(collection);
    engine.emit(new SyncEvent.Synced(collection, epoch, seq));
  }

  void onChange(Change ch) {
    String c = ch.collection();
    if (subs.get(c) != Sub.LIVE) {
      return; // the catch-up under way covers it, or a gap after it re-subscribes
    }
    engine.hlc().observe(ch.ts());
    long cursor = engine.store().cursor(c).seq();
    if (ch.seq() <= cursor) {
      return;
    }
    if (ch.seq() > cursor + 1) {
      resubscribe(c);
      return;
    }
    LocalStore.LiveOutcome outcome = engine.store().applyLive(ch);
    if (outcome.gap()) {
      resubscribe(c);
    } else {
      engine.viewChanged(c, outcome.changedIds());
    }
  }

  /**
   * An error naming a collection but no write: a subscription was refused or its catch-up
   * failed (the server then forgets it). Transient failures subscribe again after a backoff;
   * others (forbidden, invalid) leave the collection unsubscribed until the next connection.
   */
  void onCollectionError(ErrorInfo error) {
    String c = error.collection();
    if (!subs.containsKey(c)) {
      return;
    }
    if (!OutboxSender.retryable(error.code()) || error.code() == ErrorCode.UNAUTHORIZED) {
      subs.put(c, Sub.FAILED);
      return;
    }
    subs.put(c, Sub.IDLE);
    int failures = subscribeFailures.merge(c, 1, Integer::sum);
    WsConnection socket = engine.connection().socket();
    engine.scheduler().schedule(() -> engine.executor().execute(() -> {
      if (socket != null && socket == engine.connection().socket() && subs.get(c) == Sub.IDLE) {
        subscribe(socket, c);
      }
    }), Math.max(MIN_RESUBSCRIBE_PAUSE_MILLIS, backoff.delayMillis(failures - 1)),
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- HTTP pull

  /** Pulls every opened collection, one after the other, each until hasMore is false. */
  CompletableFuture<Void> pullAll() {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (String c : List.copyOf(subs.keySet())) {
      chain = chain.thenComposeAsync(x -> pull(c), engine.executor());
    }
    return chain;
  }

  private CompletableFuture<Void> pull(String collection) {
    if (engine.closed()) {
      return CompletableFuture.completedFuture(null);
    }
    LocalStore.Cursor cur = engine.store().cursor(collection);
    return engine.http().pull(collection, cur.seq(), cur.epoch(), PULL_PAGE)
        .thenComposeAsync(page -> {
          if (engine.closed()) {
            return CompletableFuture.completedFuture(null);
          }
          if (page.reset()) {
            engine.store().beginReset(collection);
            engine.emit(new SyncEvent.CollectionReset(collection));
          }
          for (Change ch : page.items()) {
            engine.hlc().observe(ch.ts());
          }
          Set<String> changed = new HashSet<>(
              engine.store().applyFullStates(collection, page.items()));
          changed.addAll(engine.store().setCursor(collection, page.epoch(), page.seq(),
              !page.hasMore()));
          engine.viewChanged(collection, changed);
          if (page.hasMore() && page.seq() > cur.seq() || page.hasMore() && page.reset()) {
            return pull(collection);
          }
          if (!page.hasMore()) {
            pulled.add(collection);
            engine.emit(new SyncEvent.Synced(collection, page.epoch(), page.seq()));
          }
          return CompletableFuture.completedFuture(null);
        }, engine.executor());
  }
}
