package io.livesync.client.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.ChangeListener;
import io.livesync.client.CollectionRef;
import io.livesync.protocol.Json;
import io.livesync.protocol.Limits;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Validation;
import io.livesync.protocol.Write;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/** A {@link CollectionRef}: local writes and reads, listeners and watch streams. */
final class DefaultCollectionRef implements CollectionRef {
  private final String name;
  private final DefaultSyncClient client;

  DefaultCollectionRef(String name, DefaultSyncClient client) {
    this.name = name;
    this.client = client;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<String> save(Map<String, ?> data) {
    return save(UUID.randomUUID().toString(), data);
  }

  @Override
  public CompletableFuture<String> save(String id, Map<String, ?> data) {
    return write(Op.INSERT, id, data).thenApply(x -> id);
  }

  @Override
  public CompletableFuture<Void> update(String id, Map<String, ?> delta) {
    return write(Op.UPDATE, id, delta);
  }

  @Override
  public CompletableFuture<Void> delete(String id) {
    return write(Op.DELETE, id, null);
  }

  /** Validates, stamps and commits one write locally, then hands it to the engine. */
  private CompletableFuture<Void> write(Op op, String id, Map<String, ?> map) {
    try {
      client.ensureOpen();
      Validation.id(id);
      ObjectNode data = null;
      if (op != Op.DELETE) {
        Objects.requireNonNull(map, op.wire() + " needs a document");
        data = Json.fromMap(map);
        Validation.data(data, Limits.DEFAULTS);
      }
      LocalStore store = client.store();
      synchronized (store) { // timestamps in outbox order, even for writes on many threads
        Write w = new Write(op, UUID.randomUUID().toString(), name, id, data,
            client.hlc().now(), null);
        store.write(w, client.settings().clock().millis());
      }
      client.written(name, id);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<SyncRecord> get(String id) {
    client.ensureOpen();
    return client.store().get(name, id);
  }

  @Override
  public List<SyncRecord> list() {
    client.ensureOpen();
    return client.store().list(name);
  }

  @Override
  public AutoCloseable addChangeListener(Executor executor, ChangeListener listener) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(listener, "listener");
    return client.addChangeListener(name, executor, listener);
  }

  @Override
  public Flow.Publisher<List<SyncRecord>> watch() {
    return new StatePublisher<>(client.callbackExecutor(),
        (executor, sink) -> addChangeListener(executor, s -> sink.accept(s.records())));
  }

  @Override
  public Flow.Publisher<Optional<SyncRecord>> watch(String id) {
    Validation.id(id);
    return new StatePublisher<>(client.callbackExecutor(), (executor, sink) ->
        addChangeListener(executor, new ChangeListener() {
          private boolean first = true;

          @Override
          public void onChange(io.livesync.client.CollectionSnapshot s) {
            if (first || s.changedIds().contains(id)) {
              first = false;
              sink.accept(s.get(id));
            }
          }
        }));
  }
}
