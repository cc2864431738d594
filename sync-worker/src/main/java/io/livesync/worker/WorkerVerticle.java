package io.livesync.worker;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.bus.SyncBus.IncomingWrite;
import io.livesync.core.config.StoreConfig;
import io.livesync.core.config.WorkerConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.OnContext;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.Prior;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.WriteBatcher.Pending;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes writes from the bus, dedupes opIds, resolves conflicts, commits in groups, replies,
 * and publishes the committed changes.
 *
 * <p>Group commit: while a batch is being committed, arriving writes queue up; when a commit
 * returns, everything queued (up to {@code maxBatch}) goes into the next batch, one transaction.
 * A write is acked only after its batch is durable. Up to {@value #PIPELINE} batches are in
 * flight, so the next batch's reads and conflict resolution overlap the current commit; batches
 * in flight never share a record ({@link WriteBatcher#next(java.util.Set)}), so each is resolved
 * against what is stored and a record's writes still commit in arrival order. Runs on an event
 * loop; the store does the blocking work on its own threads.
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);
  private static final int MAX_CONFLICT_RETRIES = 50;
  /** Batches in flight at once: one committing, one reading and resolving. */
  static final int PIPELINE = 2;

  private final SyncBus bus;
  private final Store store;
  private final Function<String, ConflictResolver> resolverFor;
  private final WorkerConfig config;
  private final StoreConfig storeConfig;
  private final SyncMetrics metrics;
  private final WriteBatcher batcher;
  private int inFlight;
  private Future<?> lastCommit = Future.succeededFuture();
  /** The records of the batches in flight. */
  private final Set<String> busy = new HashSet<>();
  private boolean stopping;
  private Promise<Void> drained;
  private long purgeTimer = -1;

  public WorkerVerticle(SyncBus bus, Store store, Function<String, ConflictResolver> resolverFor,
      WorkerConfig config, StoreConfig storeConfig, SyncMetrics metrics) {
    this.bus = bus;
    this.store = store;
    this.resolverFor = resolverFor;
    this.config = config;
    this.storeConfig = storeConfig;
    this.metrics = metrics;
    this.batcher = new WriteBatcher(config.maxBatch());
  }

  @Override
  public Future<?> start() {
    purgeTimer = vertx.setPeriodic(storeConfig.purgeIntervalMillis(), id -> purge());
    return bus.consumeWrites(this::onWrite);
  }

  /**
   * Finishes and acks every write already received, then stops. Writes that arrive after this
   * call are left unanswered for another worker.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(purgeTimer);
    if (inFlight == 0 && batcher.isEmpty()) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    return drained.future();
  }

  private void onWrite(IncomingWrite w) {
    if (stopping) {
      // Draining: not answered, so not acknowledged on the bus. Over Redis the entry stays
      // pending and another worker claims it; in one JVM the gateways have already stopped.
      return;
    }
    batcher.add(w);
    if (inFlight < PIPELINE) {
      commitNext();
    }
  }

  private void commitNext() {
    while (inFlight < PIPELINE && !batcher.isEmpty()) {
      List<Pending> batch = batcher.next(busy);
      if (batch.isEmpty()) {
        break; // every queued write waits for a record in flight
      }
      inFlight++;
      List<String> keys = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        keys.add(p.key());
      }
      busy.addAll(keys);
      long started = System.nanoTime();
      process(batch).onComplete(ar -> {
        if (ar.failed()) {
          LOG.warn("group commit of {} writes failed: {}", batch.size(), ar.cause().toString());
        }
        metrics.commitLatency().record(System.nanoTime() - started,
            java.util.concurrent.TimeUnit.NANOSECONDS);
        keys.forEach(busy::remove);
        inFlight--;
        commitNext();
      });
    }
    if (inFlight == 0 && batcher.isEmpty() && stopping && drained != null) {
      drained.tryComplete();
    }
  }

  private Future<Void> process(List<Pending> batch) {
    List<Write> writes = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      writes.add(p.incoming().write());
    }
    // one read of the whole batch's records and opIds (SQLite: a few tasks, not two per write)
    return here(store.priors(writes))
        .compose(priors -> commit(batch, priors))
        .recover(err -> {
          failAll(batch, err);
          return Future.succeededFuture();
        });
  }

  private Future<Void> commit(List<Pending> batch, List<Prior> priors) {
    List<Pending> toCommit = new ArrayList<>(batch.size());
    List<Mutation> mutations = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      OpRecord known = priors.get(i).op();
      if (known != null) {
        replyDuplicate(p.incoming(), known);
        continue;
      }
      try {
        mutations.add(resolve(priors.get(i).record(), p.incoming().write()));
        toCommit.add(p);
      } catch (SyncException e) {
        reply(p.incoming(), WriteResult.error(ErrorInfo.of(e, p.incoming().write().opId(),
            p.incoming().write().collection())));
      } catch (RuntimeException e) {
        LOG.error("conflict resolver failed for collection {}", p.incoming().write().collection(),
            e);
        reply(p.incoming(), WriteResult.error(new ErrorInfo(ErrorCode.INTERNAL,
            "the conflict resolver failed; the write was not applied",
            p.incoming().write().opId(), p.incoming().write().collection())));
      }
    }
    if (mutations.isEmpty()) {
      return Future.succeededFuture();
    }
    // Commits run one after the other, each started once the previous one's results are handled
    // (listeners run in registration order), so acks and changes go out in seq order.
    Future<List<CommitResult>> committed =
        lastCommit.transform(ignored -> here(store.commit(mutations)));
    lastCommit = committed;
    return committed.map(results -> {
      List<Change> changes = new ArrayList<>();
      List<Pending> retry = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        CommitResult r = results.get(i);
        Pending p = toCommit.get(i);
        switch (r.kind()) {
          case COMMITTED:
            reply(p.incoming(), WriteResult.ack(r.ack()));
            metrics.counter("livesync_writes_total", "status", r.ack().status().wire())
                .increment();
            if (r.change() != null) {
              changes.add(r.change());
            }
            break;
          case DUPLICATE:
            replyDuplicate(p.incoming(), r.previous());
            break;
          default:
            if (p.attempts() >= MAX_CONFLICT_RETRIES) {
              reply(p.incoming(), WriteResult.error(new ErrorInfo(ErrorCode.UNAVAILABLE,
                  "the record is changing too fast to commit; retry with the same opId",
                  p.incoming().write().opId(), p.incoming().write().collection())));
            } else {
              retry.add(new Pending(p.incoming(), p.attempts() + 1));
            }
        }
      }
      batcher.retryFirst(retry);
      if (!changes.isEmpty()) {
        bus.publish(changes);
      }
      return null;
    });
  }

  /** Builds the mutation for one write against the record as stored now. */
  private Mutation resolve(StoredRecord current, Write w) {
    ConflictResolver resolver = resolverFor.apply(w.collection());
    Resolution res = resolver.resolve(current, w);
    long currentVersion = current == null ? 0 : current.version();
    if (!res.status().changed()) {
      Ack ack = new Ack(w.opId(), w.collection(), w.id(), res.status(), currentVersion,
          current == null ? 0 : current.seq(), current == null ? null : current.toSyncRecord());
      return new Mutation(w.opId(), w.fingerprint(), currentVersion, null, null, ack);
    }
    long version = currentVersion + 1;
    StoredRecord next = new StoredRecord(w.collection(), w.id(), res.data(), version, 0,
        res.ts(), res.deleted(), res.meta(), System.currentTimeMillis());
    Change change = new Change(w.collection(), w.id(), res.changeOp(),
        res.changeData(), version, 0, res.ts(), Hlc.nodeOf(w.ts()), w.opId());
    Ack ack = new Ack(w.opId(), w.collection(), w.id(), res.status(), version, 0,
        res.status() == WriteStatus.MERGED ? next.toSyncRecord() : null);
    return new Mutation(w.opId(), w.fingerprint(), currentVersion, next, change, ack);
  }

  private void replyDuplicate(IncomingWrite in, OpRecord known) {
    Write w = in.write();
    if (!known.fingerprint().equals(w.fingerprint())) {
      reply(in, WriteResult.error(new ErrorInfo(ErrorCode.BAD_REQUEST,
          "opId " + w.opId() + " was already used for a different write; use a new opId "
              + "for each write and re-send the same opId only for a retry",
          w.opId(), w.collection())));
      return;
    }
    metrics.counter("livesync_writes_deduplicated_total").increment();
    reply(in, WriteResult.ack(known.ack()));
  }

  private void failAll(List<Pending> batch, Throwable err) {
    SyncException se = err instanceof SyncException s && s.code() == ErrorCode.UNAVAILABLE
        ? s : new SyncException(ErrorCode.UNAVAILABLE,
            "the store is unavailable; the write was not applied: retry it with the same opId");
    for (Pending p : batch) {
      reply(p.incoming(), WriteResult.error(ErrorInfo.of(se, p.incoming().write().opId(),
          p.incoming().write().collection())));
    }
  }

  private void reply(IncomingWrite in, WriteResult result) {
    try {
      in.reply(result);
    } catch (RuntimeException e) {
      LOG.debug("could not reply to a write: {}", e.toString());
    }
  }

  /**
   * The store completes its futures on contexts of its choosing (the Redis client's event loop,
   * SQLite's threads); the batcher, the records in flight and the commit chain are confined to
   * this verticle's context, so every store result comes back here before it touches them.
   */
  private <T> Future<T> here(Future<T> storeFuture) {
    return OnContext.hop(context, storeFuture);
  }

  private void purge() {
    long now = System.currentTimeMillis();
    store.purgeTombstones(now - storeConfig.tombstoneRetentionMillis())
        .compose(n -> store.purgeOps(now - storeConfig.opRetentionMillis()))
        .onFailure(err -> LOG.warn("purge failed: {}", err.toString()));
  }

}
