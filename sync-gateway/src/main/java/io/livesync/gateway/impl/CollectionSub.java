package io.livesync.gateway.impl;

import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection's subscription to one collection: the state machine that gives the socket every
 * change exactly once, in seq order.
 *
 * <pre>
 *            subscribe                      catch-up done (synced sent)
 *   (new) ─────────────▶ CATCHING_UP ───────────────────────────────▶ LIVE
 *                          ▲    ▲                                      │  │
 *                          │    └──── seq gap seen ───────────────────┘  │ backlog over limit
 *                          │                                              ▼
 *                          └──────────── socket drained ─────────── LAGGING
 * </pre>
 *
 * <p>CATCHING_UP: registered for live changes first, buffering them; then reads pages of the
 * latest state per record from the store and sends them as {@code changes}; then {@code synced}
 * with the snapshot's seq; then replays buffered changes above that seq. Because registration
 * precedes the first read, every change is either in a page or in the buffer. If the buffer
 * overflows, another catch-up round follows instead of the replay.
 *
 * <p>LIVE: a change with seq = last + 1 is sent; seq ≤ last is a duplicate and dropped; a higher
 * seq means one was missed (possible over pub/sub): catch up from last.
 *
 * <p>LAGGING (slow consumer): the socket's outbound queue passed the backlog limit; live changes
 * are no longer queued for it. When it drains, catch up from the last seq delivered: ten updates
 * of one record become one item.
 *
 * <p>A replaced history (the bus reports a new epoch: the store lost data) is never continued
 * from the old cursor: every catch-up page is checked against the epoch the client's cursor
 * lives in, and a LIVE subscription (or one whose catch-up ends in the old epoch) catches up
 * again at once, so the client is sent {@code reset} and the new history from seq 0.
 *
 * <p>Confined to the connection's event loop.
 */
final class CollectionSub {
  enum State { CATCHING_UP, LIVE, LAGGING, CLOSED }

  private static final int MAX_BUFFERED = 10_000;

  private final Connection conn;
  private final String collection;
  private final Store store;
  private final FanOut fanOut;
  private final int pageSize;
  private State state = State.CATCHING_UP;
  private long lastSeq;
  private String epoch;
  /** The newest epoch the bus reported while subscribed, or null. */
  private String busEpoch;
  private int generation;
  private boolean joined;
  private List<Buffered> buffer = new ArrayList<>();
  private boolean bufferOverflow;

  private record Buffered(Change change, OutboundFrame encoded) {
  }

  CollectionSub(Connection conn, String collection, Store store, FanOut fanOut, int pageSize) {
    this.conn = conn;
    this.collection = collection;
    this.store = store;
    this.fanOut = fanOut;
    this.pageSize = pageSize;
  }

  String collection() {
    return collection;
  }

  State state() {
    return state;
  }

  /** Starts (or restarts, on a repeated subscribe) from the client's cursor. */
  void subscribe(long since, String clientEpoch) {
    catchUp(since, true, clientEpoch);
  }

  void onLive(Change change, OutboundFrame encoded) {
    switch (state) {
      case LIVE:
        if (change.seq() <= lastSeq) {
          return;
        }
        if (change.seq() != lastSeq + 1) {
          // a missed change, or a history that started over (a store that lost its data):
          // catch up, and reset the client if the epoch it was given is no longer current
          catchUp(lastSeq, true, epoch);
          return;
        }
        if (conn.backlogFull()) {
          state = State.LAGGING;
          conn.onSlowConsumer(this);
          return;
        }
        lastSeq = change.seq();
        conn.sendChange(encoded);
        return;
      case CATCHING_UP:
        if (buffer.size() < MAX_BUFFERED) {
          buffer.add(new Buffered(change, encoded));
        } else {
          bufferOverflow = true;
        }
        return;
      default:
        // LAGGING: the catch-up after the drain covers it. CLOSED: nothing to do.
    }
  }

  /**
   * The bus reports the collection's history replaced. LIVE on another epoch: catch up now (the
   * page's epoch check resets the client). CATCHING_UP: {@link #finish} compares. LAGGING: the
   * catch-up after the drain checks the epoch anyway.
   */
  void historyReplaced(String newEpoch) {
    busEpoch = newEpoch;
    if (state == State.LIVE && !newEpoch.equals(epoch)) {
      catchUp(lastSeq, true, epoch);
    }
  }

  /** The socket drained: a lagging subscription catches up from its last delivered seq. */
  void onDrained() {
    if (state == State.LAGGING) {
      catchUp(lastSeq, true, epoch);
    }
  }

  void close() {
    state = State.CLOSED;
    generation++;
    buffer = new ArrayList<>();
    fanOut.leave(this);
  }

  private void catchUp(long from, boolean checkCursor, String clientEpoch) {
    int gen = ++generation;
    state = State.CATCHING_UP;
    buffer = new ArrayList<>();
    bufferOverflow = false;
    Future<Void> ready = joined ? Future.succeededFuture() : fanOut.join(this);
    joined = true;
    ready.compose(v -> page(gen, from, checkCursor, clientEpoch))
        .onFailure(err -> {
          if (gen != generation) {
            return;
          }
          SyncException se = err instanceof SyncException s ? s
              : new SyncException(ErrorCode.UNAVAILABLE, "catch-up failed; subscribe again");
          conn.sendError(new ErrorInfo(se.code(), "catch-up of " + collection + " failed: "
              + se.getMessage() + "; subscribe again", null, collection));
          conn.dropSubscription(this);
        });
  }

  private Future<Void> page(int gen, long cursor, boolean checkCursor, String clientEpoch) {
    return conn.onLoop(store.changesSince(collection, cursor, pageSize)).compose(page -> {
      if (gen != generation) {
        return Future.succeededFuture();
      }
      boolean otherHistory = clientEpoch != null && !clientEpoch.equals(page.info().epoch());
      if (otherHistory || checkCursor && mustReset(cursor, clientEpoch, page.info())) {
        conn.send(Codec.reset(collection));
        return page(gen, 0, false, null);
      }
      if (!page.records().isEmpty()) {
        conn.send(Codec.changes(collection, items(page)));
      }
      if (page.hasMore()) {
        // capture the cursor, not the page: each continuation stays referenced by the future
        // chain until the whole catch-up ends, so capturing the page kept every page of a
        // million-record catch-up in memory at once
        long next = page.cursor();
        String pageEpoch = page.info().epoch();
        return conn.whenWritable().compose(v -> page(gen, next, false, pageEpoch));
      }
      finish(page.cursor(), page.info().epoch());
      return Future.succeededFuture();
    });
  }

  /**
   * A cursor must be dropped when it names another epoch, lies below the horizon (tombstones it
   * never saw were purged) or lies beyond the collection's seq (its history was lost).
   */
  static boolean mustReset(long cursor, String clientEpoch, CollectionInfo info) {
    if (clientEpoch != null && !clientEpoch.equals(info.epoch())) {
      return true;
    }
    return cursor > 0 && (cursor < info.horizon() || cursor > info.seq());
  }

  private void finish(long cursor, String epoch) {
    this.epoch = epoch;
    conn.send(Codec.synced(collection, cursor, epoch));
    lastSeq = cursor;
    state = State.LIVE;
    List<Buffered> pending = buffer;
    boolean overflowed = bufferOverflow;
    buffer = new ArrayList<>();
    bufferOverflow = false;
    if (overflowed || busEpoch != null && !busEpoch.equals(epoch)) {
      // buffered changes were dropped, or may belong to a history that replaced this one. One
      // more round settles it: the bus saw its epoch in the store, so the round reads that
      // epoch or a newer one (whose own report comes later); forgetting the report keeps a
      // stale one from sending the subscription round after round.
      busEpoch = null;
      catchUp(lastSeq, false, epoch);
      return;
    }
    for (Buffered b : pending) {
      onLive(b.change(), b.encoded());
      if (state != State.LIVE) {
        return;
      }
    }
  }

  private static List<Change> items(ChangesPage page) {
    List<Change> items = new ArrayList<>(page.records().size());
    for (StoredRecord r : page.records()) {
      items.add(Change.ofRecord(r.toSyncRecord()));
    }
    return items;
  }
}
