package io.livesync.client.impl;

import io.livesync.client.ConnectionState;
import io.livesync.client.SyncEvent;
import io.livesync.protocol.Ack;
import io.livesync.protocol.ClientMessage;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Drains the outbox: over the WebSocket when connected, else over HTTP push. Runs on the
 * engine thread.
 *
 * <p>Order and safety: at most one write per record is in flight, so a record's writes reach
 * the server in the order they were made, and each carries the version its predecessor's ack
 * reported as baseVersion. Writes of different records are pipelined (up to {@link #WINDOW}
 * unanswered over the socket, paced by a token bucket; a push page over HTTP). Every retry
 * re-sends the same opId, which the server answers with the original ack, so a write lost with
 * a connection is simply sent again. An opId is never in flight on two transports at once.
 */
final class OutboxSender {
  static final int WINDOW = 128;
  static final int PUSH_PAGE = 500;
  private static final long RATE_LIMIT_PAUSE_MILLIS = 1000;

  private enum Via { SOCKET, HTTP }

  private final Engine engine;
  private final Map<String, Via> inFlight = new HashMap<>();
  private final Set<String> busyRecords = new HashSet<>();
  private final Backoff retryBackoff;
  /** Socket pacing (docs/protocol.md 4.6): a token bucket, by default 500/s in bursts of 100. */
  private final int writesPerSecond;
  private final int burst;
  private long socketPausedUntilNanos;
  private double tokens;
  private long tokensAtNanos;
  private long pushPausedUntilNanos;
  private int socketErrors;
  private boolean pushRunning;
  private int pushFailures;
  private ScheduledFuture<?> retryTimer;

  OutboxSender(Engine engine) {
    this.engine = engine;
    this.writesPerSecond = engine.settings().writesPerSecond();
    this.burst = Math.max(1, writesPerSecond / 5);
    this.tokens = burst;
    this.retryBackoff = new Backoff(engine.settings().reconnectDelay(),
        engine.settings().maxReconnectDelay(), () -> ThreadLocalRandom.current().nextDouble());
    long now = System.nanoTime(); // nanoTime may be negative: "not paused" is "paused until now"
    this.socketPausedUntilNanos = now;
    this.tokensAtNanos = now;
    this.pushPausedUntilNanos = now;
  }

  boolean pushRunning() {
    return pushRunning;
  }

  /** Sends what can be sent now on the current transport. */
  void drain() {
    ConnectionState state = engine.connection().state();
    WsConnection socket = engine.connection().socket();
    if (socket != null) {
      drainSocket(socket);
    } else if (state == ConnectionState.RECONNECTING || state == ConnectionState.POLLING) {
      push();
    }
  }

  /** The socket is gone: what it carried will be sent again. */
  void socketLost() {
    inFlight.entrySet().removeIf(e -> {
      if (e.getValue() != Via.SOCKET) {
        return false;
      }
      OutboxEntry entry = engine.store().entry(e.getKey());
      if (entry != null) {
        busyRecords.remove(entry.key());
      }
      return true;
    });
    // entries removed from the outbox meanwhile left their keys behind; rebuild
    rebuildBusy();
  }

  /** An {@code ack} arrived over the socket. */
  void onAck(Ack ack) {
    release(ack.opId());
    handle(ack.opId(), WriteResult.ack(ack), true);
    drain();
  }

  /** An {@code error} naming an opId arrived over the socket. */
  void onError(ErrorInfo error) {
    release(error.opId());
    handle(error.opId(), WriteResult.error(error), true);
    drain();
  }

  // ---------------------------------------------------------------- socket

  private void drainSocket(WsConnection socket) {
    long now = System.nanoTime();
    if (now - socketPausedUntilNanos < 0) {
      scheduleRetry((socketPausedUntilNanos - now) / 1_000_000);
      return;
    }
    tokens = Math.min(burst, tokens + (now - tokensAtNanos) * writesPerSecond / 1e9);
    tokensAtNanos = now;
    Set<String> blocked = new HashSet<>();
    for (OutboxEntry e : engine.store().pending()) {
      if (inFlight.size() >= WINDOW) {
        return;
      }
      if (tokens < 1) {
        scheduleRetry(Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / writesPerSecond)));
        return;
      }
      String key = e.key();
      if (inFlight.containsKey(e.write().opId()) || busyRecords.contains(key)
          || !blocked.add(key)) {
        blocked.add(key);
        continue;
      }
      inFlight.put(e.write().opId(), Via.SOCKET);
      busyRecords.add(key);
      tokens--;
      socket.send(Codec.encodeClient(new ClientMessage.WriteOp(e.write())));
    }
  }

  // ---------------------------------------------------------------- HTTP push

  private void push() {
    if (pushRunning) {
      return;
    }
    long now = System.nanoTime();
    if (now - pushPausedUntilNanos < 0) {
      scheduleRetry((pushPausedUntilNanos - now) / 1_000_000);
      return;
    }
    List<Write> batch = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (OutboxEntry e : engine.store().pending()) {
      if (batch.size() >= PUSH_PAGE) {
        break;
      }
      String key = e.key();
      if (!keys.add(key) || busyRecords.contains(key) || inFlight.containsKey(e.write().opId())) {
        continue;
      }
      batch.add(e.write());
    }
    if (batch.isEmpty()) {
      return;
    }
    pushRunning = true;
    for (Write w : batch) {
      inFlight.put(w.opId(), Via.HTTP);
      busyRecords.add(OutboxEntry.key(w.collection(), w.id()));
    }
    engine.http().push(batch).whenCompleteAsync((results, err) -> {
      pushRunning = false;
      for (Write w : batch) {
        release(w.opId());
      }
      if (engine.closed()) {
        return;
      }
      if (err != null) {
        pushFailures++;
        pushPausedUntilNanos = System.nanoTime()
            + retryBackoff.delayMillis(pushFailures - 1) * 1_000_000;
        engine.pushFailed(err);
        drain();
        return;
      }
      pushFailures = 0;
      boolean changed = false;
      for (int i = 0; i < batch.size(); i++) {
        WriteResult r = results.get(i);
        handle(batch.get(i).opId(), r, false);
        changed |= r.isAck() && r.ack().status().changed();
      }
      engine.pushed(changed);
      drain();
    }, engine.executor());
  }

  // ---------------------------------------------------------------- outcomes

  private void handle(String opId, WriteResult result, boolean viaSocket) {
    OutboxEntry entry = engine.store().entry(opId);
    if (entry == null || !entry.pending()) {
      return; // the answer to a retry of something already settled
    }
    Write write = entry.write();
    Instant now = engine.settings().clock().instant();
    if (result.isAck()) {
      Ack ack = result.ack();
      if (ack.record() != null) {
        engine.hlc().observe(ack.record().ts());
      }
      LocalStore.AckOutcome outcome = engine.store().applyAck(opId, ack, now);
      socketErrors = 0;
      engine.viewChanged(write.collection(), outcome.changedIds());
      engine.emit(new SyncEvent.Acked(write, ack));
      if (ack.status() != WriteStatus.APPLIED) {
        engine.emit(new SyncEvent.Conflict(write, ack.status(), ack.record()));
      }
      if (outcome.deadLetter() != null) {
        engine.emit(new SyncEvent.DeadLettered(outcome.deadLetter()));
      }
      return;
    }
    ErrorInfo error = result.error();
    if (retryable(error.code())) {
      if (viaSocket) {
        socketErrors++;
        long pause = error.code() == ErrorCode.RATE_LIMITED ? RATE_LIMIT_PAUSE_MILLIS
            : Math.max(100, retryBackoff.delayMillis(socketErrors - 1));
        socketPausedUntilNanos = System.nanoTime() + pause * 1_000_000;
      }
      if (error.code() != ErrorCode.RATE_LIMITED) {
        engine.emit(new SyncEvent.Error(error, null));
      }
      if (!viaSocket) {
        long pause = error.code() == ErrorCode.RATE_LIMITED ? RATE_LIMIT_PAUSE_MILLIS
            : Math.max(100, retryBackoff.delayMillis(pushFailures));
        pushPausedUntilNanos = System.nanoTime() + pause * 1_000_000;
      }
      return;
    }
    LocalStore.AckOutcome outcome = engine.store().deadLetter(opId,
        new ErrorInfo(error.code(), error.message(), opId, write.collection()), now);
    engine.viewChanged(write.collection(), outcome.changedIds());
    if (outcome.deadLetter() != null) {
      engine.emit(new SyncEvent.DeadLettered(outcome.deadLetter()));
    }
  }

  /** Errors after which the same write may succeed later. */
  static boolean retryable(ErrorCode code) {
    return code == ErrorCode.RATE_LIMITED || code == ErrorCode.UNAVAILABLE
        || code == ErrorCode.INTERNAL || code == ErrorCode.UNAUTHORIZED;
  }

  private void release(String opId) {
    if (inFlight.remove(opId) != null) {
      OutboxEntry e = engine.store().entry(opId);
      if (e != null) {
        busyRecords.remove(e.key());
      } else {
        rebuildBusy();
      }
    }
  }

  private void rebuildBusy() {
    busyRecords.clear();
    for (String opId : inFlight.keySet()) {
      OutboxEntry e = engine.store().entry(opId);
      if (e != null) {
        busyRecords.add(e.key());
      }
    }
  }

  private void scheduleRetry(long delayMillis) {
    if (retryTimer != null && !retryTimer.isDone()) {
      return;
    }
    retryTimer = engine.scheduler().schedule(() -> engine.executor().execute(() -> {
      if (!engine.closed()) {
        drain();
      }
    }), delayMillis, TimeUnit.MILLISECONDS);
  }
}
