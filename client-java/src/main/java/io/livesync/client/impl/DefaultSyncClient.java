package io.livesync.client.impl;

import io.livesync.client.CollectionRef;
import io.livesync.client.ConnectionState;
import io.livesync.client.DeadLetter;
import io.livesync.client.SyncClient;
import io.livesync.client.SyncEventListener;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Validation;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@link SyncClient} implementation: wires the store, the engine and the listeners. */
public final class DefaultSyncClient implements SyncClient {
  private final ClientSettings settings;
  private final LocalStore store;
  private final Hlc hlc;
  private final String nodeId;
  private final EventHub events = new EventHub();
  private final Map<String, DefaultCollectionRef> collections = new ConcurrentHashMap<>();
  private final Map<String, CopyOnWriteArrayList<ChangeRegistration>> changeListeners =
      new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService ownCallbackExecutor;
  private final Executor callbackExecutor;
  private final HttpClient httpClient;
  private final Engine engine;
  private final AtomicBoolean closed = new AtomicBoolean();

  public DefaultSyncClient(ClientSettings settings) {
    this.settings = settings;
    this.store = LocalStore.open(settings.storage());
    try {
      if (settings.nodeId() != null) {
        new Hlc(settings.nodeId()); // validates the id with a clear message
      }
      this.nodeId = store.nodeId(settings.nodeId(), DefaultSyncClient::newNodeId);
      this.hlc = new Hlc(nodeId, settings.clock()::millis);
      hlc.observe(store.lastTimestamp());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    ScheduledThreadPoolExecutor engineThread = new ScheduledThreadPoolExecutor(1,
        daemon("livesync-client-" + nodeId));
    // close() must not wait for timers (retries, probes, polls) that no longer matter
    engineThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    engineThread.setRemoveOnCancelPolicy(true);
    this.scheduler = engineThread;
    if (settings.callbackExecutor() == null) {
      ownCallbackExecutor = Executors.newSingleThreadExecutor(
          daemon("livesync-callbacks-" + nodeId));
      callbackExecutor = ownCallbackExecutor;
    } else {
      ownCallbackExecutor = null;
      callbackExecutor = settings.callbackExecutor();
    }
    this.httpClient = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    settings.eventListeners().forEach((listener, executor) -> events.add(executor, listener));
    this.engine = new Engine(settings, store, hlc, events, this::notifyListeners, scheduler,
        httpClient, new TokenManager(settings.tokenProvider()));
    for (String c : store.outboxCollections()) {
      collection(c); // writes left from an earlier run: replicate their collections
    }
    engine.start();
  }

  @Override
  public CollectionRef collection(String name) {
    ensureOpen();
    Validation.collection(name);
    return collections.computeIfAbsent(name, n -> {
      store.openCollection(n);
      engine.open(n);
      return new DefaultCollectionRef(n, this);
    });
  }

  @Override
  public ConnectionState state() {
    return closed.get() ? ConnectionState.CLOSED : engine.state();
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public AutoCloseable addEventListener(Executor executor, SyncEventListener listener) {
    return events.add(executor, listener);
  }

  @Override
  public int pendingWrites() {
    ensureOpen();
    return store.pendingCount();
  }

  @Override
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    ensureOpen();
    var f = engine.whenSynced();
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      f.cancel(false);
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  @Override
  public void refreshToken() {
    ensureOpen();
    engine.executor().execute(() -> engine.connection().tokenChanged());
  }

  @Override
  public List<DeadLetter> deadLetters() {
    ensureOpen();
    return store.deadLetters();
  }

  @Override
  public void clearDeadLetters() {
    ensureOpen();
    store.clearDeadLetters();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long timeout = settings.closeTimeout().toMillis();
    try {
      engine.flush().get(timeout, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // flush what we can: the rest stays in the outbox for the next client on this file
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      engine.shutdown().get(5, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // the engine thread is stuck; shut it down regardless
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (var list : changeListeners.values()) {
      for (ChangeRegistration r : list) {
        r.close();
      }
    }
    store.close();
    if (ownCallbackExecutor != null) {
      ownCallbackExecutor.shutdown();
    }
  }

  // ---------------------------------------------------------------- for the collection refs

  LocalStore store() {
    return store;
  }

  Hlc hlc() {
    return hlc;
  }

  ClientSettings settings() {
    return settings;
  }

  Executor callbackExecutor() {
    return callbackExecutor;
  }

  void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the SyncClient is closed");
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  /** A local write committed: tell the listeners and the engine. */
  void written(String collection, String id) {
    notifyListeners(collection, Set.of(id));
    engine.written();
  }

  ChangeRegistration addChangeListener(String collection, Executor executor,
      io.livesync.client.ChangeListener listener) {
    ensureOpen();
    var list = changeListeners.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>());
    ChangeRegistration[] self = new ChangeRegistration[1];
    self[0] = new ChangeRegistration(executor, listener, ids -> snapshot(collection, ids),
        () -> list.remove(self[0]));
    list.add(self[0]);
    self[0].start();
    return self[0];
  }

  private io.livesync.client.CollectionSnapshot snapshot(String collection, Set<String> ids) {
    var records = closed.get() ? List.<io.livesync.protocol.SyncRecord>of()
        : store.list(collection);
    Set<String> changed = ids;
    if (changed == null) {
      changed = new java.util.LinkedHashSet<>();
      for (var r : records) {
        changed.add(r.id());
      }
    }
    return new io.livesync.client.CollectionSnapshot(collection, records, changed);
  }

  private void notifyListeners(String collection, Set<String> ids) {
    var list = changeListeners.get(collection);
    if (list != null) {
      for (ChangeRegistration r : list) {
        r.signal(ids);
      }
    }
  }

  private static String newNodeId() {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return "n" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
