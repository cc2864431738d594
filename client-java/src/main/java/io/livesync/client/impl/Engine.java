package io.livesync.client.impl;

import io.livesync.client.ConnectionState;
import io.livesync.client.SyncEvent;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.ServerMessage;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The client's engine: one thread that owns the connection ({@link ConnectionManager}), the
 * outbox drain ({@link OutboxSender}), the replication of server changes ({@link Replicator}),
 * the polling loop and the "synced" waiters. Everything here runs on that thread except the
 * methods documented otherwise.
 */
final class Engine implements ConnectionManager.Session {
  private static final System.Logger LOG = System.getLogger("io.livesync.client");
  private final ClientSettings settings;
  private final LocalStore store;
  private final Hlc hlc;
  private final EventHub events;
  private final BiConsumer<String, Set<String>> viewListeners;
  private final ScheduledExecutorService scheduler;
  private final Executor executor;
  private final HttpApi http;
  private final ConnectionManager connection;
  private final OutboxSender sender;
  private final Replicator replicator;
  private final List<CompletableFuture<Void>> syncWaiters = new ArrayList<>();
  private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();
  private volatile boolean closed;
  private volatile ConnectionState state = ConnectionState.CONNECTING;
  private boolean polling;
  private boolean pollRunning;
  private boolean pollAgain;
  private ScheduledFuture<?> pollTimer;
  /** The ping whose pong completes the sync waiters (a round-trip barrier), or -1. */
  private long barrierPing = -1;
  private WsConnection barrierSocket;

  Engine(ClientSettings settings, LocalStore store, Hlc hlc, EventHub events,
      BiConsumer<String, Set<String>> viewListeners, ScheduledExecutorService scheduler,
      HttpClient httpClient, TokenManager tokens) {
    this.settings = settings;
    this.store = store;
    this.hlc = hlc;
    this.events = events;
    this.viewListeners = viewListeners;
    this.scheduler = scheduler;
    this.executor = task -> {
      try {
        scheduler.execute(() -> {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            // a bug or a local store failure: report it, keep the engine thread alive
            LOG.log(System.Logger.Level.ERROR, "LiveSync client engine task failed", e);
            emit(new SyncEvent.Error(new ErrorInfo(ErrorCode.INTERNAL,
                "client engine task failed: " + e, null, null), e));
          }
        });
      } catch (RejectedExecutionException e) {
        // closed: late network callbacks have nothing left to do
      }
    };
    this.http = new HttpApi(httpClient, settings, tokens);
    this.connection = new ConnectionManager(settings, scheduler, executor, tokens,
        this);
    this.sender = new OutboxSender(this);
    this.replicator = new Replicator(this);
  }

  // ---------------------------------------------------------------- accessors for the parts

  ClientSettings settings() {
    return settings;
  }

  LocalStore store() {
    return store;
  }

  Hlc hlc() {
    return hlc;
  }

  HttpApi http() {
    return http;
  }

  ConnectionManager connection() {
    return connection;
  }

  Executor executor() {
    return executor;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  boolean closed() {
    return closed;
  }

  /** The state, readable from any thread. */
  ConnectionState state() {
    return state;
  }

  void emit(SyncEvent event) {
    events.emit(event);
  }

  void viewChanged(String collection, Set<String> ids) {
    if (!ids.isEmpty()) {
      viewListeners.accept(collection, ids);
    }
  }

  // ---------------------------------------------------------------- calls from any thread

  void start() {
    executor.execute(connection::start);
  }

  void open(String collection) {
    executor.execute(() -> {
      replicator.open(collection);
      if (polling) {
        pollNow(); // no need to wait a whole interval for a collection opened while polling
      }
      checkWaiters();
    });
  }

  /** A local write was committed: send it. */
  void written() {
    executor.execute(() -> {
      sender.drain();
      checkWaiters();
    });
  }

  /** Completes when everything is synced (see {@code SyncClient.awaitSynced}). */
  CompletableFuture<Void> whenSynced() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    executor.execute(() -> {
      syncWaiters.add(f);
      checkWaiters();
    });
    return f;
  }

  /**
   * For close: completes when no write is pending, or as soon as the server turns out to be
   * unreachable (a failed push or a lost socket), whichever comes first.
   */
  CompletableFuture<Void> flush() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    executor.execute(() -> {
      if (store.pendingCount() == 0 || state == ConnectionState.CONNECTING) {
        f.complete(null);
        return;
      }
      flushWaiters.add(f);
      sender.drain();
      if (state != ConnectionState.CONNECTED && !sender.pushRunning()) {
        f.complete(null); // nothing is being sent: the server is not reachable right now
      }
    });
    return f;
  }

  /** Stops everything on the engine thread; completes when done. */
  CompletableFuture<Void> shutdown() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    executor.execute(() -> {
      closed = true;
      cancelPolling();
      connection.close();
      for (CompletableFuture<Void> f : syncWaiters) {
        f.completeExceptionally(new IllegalStateException("the client was closed"));
      }
      syncWaiters.clear();
      completeFlush();
      done.complete(null);
    });
    return done;
  }

  // ---------------------------------------------------------------- ConnectionManager.Session

  @Override
  public void stateChanged(ConnectionState previous, ConnectionState current, String reason) {
    state = current;
    emit(new SyncEvent.StateChanged(previous, current, reason));
    if (current == ConnectionState.POLLING) {
      startPolling();
    } else {
      cancelPolling();
    }
    if (current != ConnectionState.CONNECTED && current != ConnectionState.CLOSED) {
      sender.drain(); // the outbox now goes over HTTP
    }
    checkWaiters();
  }

  @Override
  public void connected(WsConnection socket, ServerMessage.Welcome welcome) {
    hlc.observeMillis(welcome.time());
    replicator.connected(socket);
    sender.drain();
    checkWaiters();
  }

  @Override
  public void disconnected() {
    sender.socketLost();
    replicator.disconnected();
    completeFlush();
    checkWaiters();
  }

  @Override
  public void message(ServerMessage m) {
    if (m instanceof ServerMessage.ChangeEvent c) {
      replicator.onChange(c.change());
    } else if (m instanceof ServerMessage.AckEvent a) {
      sender.onAck(a.ack());
    } else if (m instanceof ServerMessage.Changes c) {
      replicator.onChanges(c.collection(), c.items());
    } else if (m instanceof ServerMessage.Synced s) {
      replicator.onSynced(s.collection(), s.seq(), s.epoch());
    } else if (m instanceof ServerMessage.Reset r) {
      replicator.onReset(r.collection());
    } else if (m instanceof ServerMessage.Error e) {
      ErrorInfo err = e.error();
      if (err.opId() != null) {
        if (store.entry(err.opId()) != null) {
          sender.onError(err);
        } // else: the answer to a retry of a write already settled
      } else {
        if (err.collection() != null) {
          replicator.onCollectionError(err);
        }
        emit(new SyncEvent.Error(err, null));
      }
    }
    // pong, authed, unsubscribed: nothing to do (any message counts as a heartbeat)
    checkWaiters();
  }

  @Override
  public void transportError(String what, Throwable cause) {
    emit(new SyncEvent.Error(new ErrorInfo(ErrorCode.INTERNAL, what, null, null), cause));
  }

  // ---------------------------------------------------------------- HTTP outcomes

  void pushFailed(Throwable err) {
    Throwable cause = err instanceof java.util.concurrent.CompletionException
        && err.getCause() != null ? err.getCause() : err;
    ErrorInfo info = cause instanceof HttpApi.HttpFailure f
        ? new ErrorInfo(f.code(), f.getMessage(), null, null)
        : new ErrorInfo(ErrorCode.UNAVAILABLE, "push failed: " + cause, null, null);
    emit(new SyncEvent.Error(info, cause));
    completeFlush();
    checkWaiters();
  }

  /** A push went through; while polling, pull at once so the writes become visible. */
  void pushed(boolean anyChanged) {
    if (polling && anyChanged) {
      pollNow();
    }
    checkWaiters();
  }

  // ---------------------------------------------------------------- polling

  private void startPolling() {
    if (!polling) {
      polling = true;
      pollNow();
    }
  }

  private void cancelPolling() {
    polling = false;
    pollAgain = false;
    if (pollTimer != null) {
      pollTimer.cancel(false);
      pollTimer = null;
    }
  }

  private void pollNow() {
    if (!polling || closed) {
      return;
    }
    if (pollRunning) {
      pollAgain = true;
      return;
    }
    if (pollTimer != null) {
      pollTimer.cancel(false);
      pollTimer = null;
    }
    pollRunning = true;
    sender.drain();
    replicator.pullAll().whenCompleteAsync((x, err) -> {
      pollRunning = false;
      if (err != null && !closed) {
        Throwable cause = err.getCause() != null ? err.getCause() : err;
        emit(new SyncEvent.Error(new ErrorInfo(ErrorCode.UNAVAILABLE, "pull failed: " + cause,
            null, null), cause));
      }
      checkWaiters();
      if (!polling || closed) {
        return;
      }
      if (pollAgain) {
        pollAgain = false;
        pollNow();
      } else {
        pollTimer = scheduler.schedule(() -> executor.execute(this::pollNow),
            settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
      }
    }, executor);
  }

  // ---------------------------------------------------------------- waiters

  private boolean synced() {
    if (store.outboxSize() != 0) {
      return false;
    }
    if (state == ConnectionState.CONNECTED) {
      return replicator.allLive();
    }
    return state == ConnectionState.POLLING && !pollRunning && replicator.allPulled();
  }

  private void checkWaiters() {
    if (!flushWaiters.isEmpty() && store.pendingCount() == 0) {
      completeFlush();
    }
    if (syncWaiters.isEmpty()) {
      return;
    }
    if (!synced()) {
      barrierPing = -1; // a barrier must start after the condition holds
    } else if (barrierPassed()) {
      for (CompletableFuture<Void> f : syncWaiters) {
        f.complete(null);
      }
      syncWaiters.clear();
    }
  }

  /**
   * Over the socket, "synced" also requires a ping round trip started after the rest of the
   * condition held: its pong proves that everything the server sent before it (changes of
   * other devices already on their way) has been applied.
   */
  private boolean barrierPassed() {
    if (state != ConnectionState.CONNECTED) {
      barrierPing = -1;
      return true;
    }
    WsConnection socket = connection.socket();
    if (barrierPing < 0 || barrierSocket != socket) {
      barrierSocket = socket;
      barrierPing = connection.ping();
      return false;
    }
    if (connection.pongs() < barrierPing) {
      return false;
    }
    barrierPing = -1;
    return true;
  }

  private void completeFlush() {
    for (CompletableFuture<Void> f : flushWaiters) {
      f.complete(null);
    }
    flushWaiters.clear();
  }
}
