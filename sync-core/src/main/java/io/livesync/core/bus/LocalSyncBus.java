package io.livesync.core.bus;

import io.livesync.core.config.WorkerConfig;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus inside one JVM, on the Vert.x local event bus. Objects travel by reference through
 * local codecs: nothing is serialized. The event bus delivers messages from one sender to one
 * consumer in order, which keeps each collection's changes in seq order.
 *
 * <p>Load shedding: at most {@code maxQueuedWrites} writes are submitted and not yet answered by
 * the worker at any time (counted until the worker answers, so writes whose requester timed out
 * still count while the worker holds them). Past that, {@link #submit} fails at once with {@code
 * unavailable} and the write is not applied. Without the bound, writes arriving faster than the
 * worker commits queue on the event bus without limit: a cold server at 19,000 writes/s held
 * 330,000 of them (800 MB of heap) and answered seconds late.
 */
public final class LocalSyncBus implements SyncBus {
  /** Numbers each bus, so that buses sharing one Vertx (several servers in a test) stay apart. */
  private static final AtomicLong INSTANCES = new AtomicLong();

  private static final DeliveryOptions REPLY_OPTIONS = new DeliveryOptions().setLocalOnly(true);

  private static final Logger LOG = LoggerFactory.getLogger(LocalSyncBus.class);
  /** Shed writes are logged at most once per interval, with a count. */
  private static final long SHED_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Vertx vertx;
  private final String writesAddress;
  private final String changesPrefix;
  private final DeliveryOptions writeOptions;
  private final DeliveryOptions changeOptions;
  private final int maxQueuedWrites;
  /** Writes submitted and not yet answered by the worker. */
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong shedTotal = new AtomicLong();
  /** {@link #shedTotal} at the last overload report; written only by the report's winner. */
  private volatile long shedAtLastLog;
  private final AtomicLong lastShedLog =
      new AtomicLong(System.nanoTime() - SHED_LOG_INTERVAL_NANOS);

  public LocalSyncBus(Vertx vertx, long writeTimeoutMillis) {
    this(vertx, writeTimeoutMillis, WorkerConfig.DEFAULT_MAX_QUEUED_WRITES);
  }

  /**
   * @param writeTimeoutMillis how long {@link #submit} waits for the worker's answer
   * @param maxQueuedWrites most writes submitted and not yet answered; more fail with {@code
   *     unavailable} without being applied
   */
  public LocalSyncBus(Vertx vertx, long writeTimeoutMillis, int maxQueuedWrites) {
    if (maxQueuedWrites < 1) {
      throw new IllegalArgumentException("maxQueuedWrites must be >= 1, was " + maxQueuedWrites);
    }
    this.vertx = vertx;
    long instance = INSTANCES.incrementAndGet();
    this.writesAddress = "livesync." + instance + ".writes";
    this.changesPrefix = "livesync." + instance + ".changes.";
    this.maxQueuedWrites = maxQueuedWrites;
    registerCodec(vertx, Write.class);
    registerCodec(vertx, WriteResult.class);
    registerCodec(vertx, ChangeBatch.class);
    this.writeOptions = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(writeTimeoutMillis);
    this.changeOptions = new DeliveryOptions().setLocalOnly(true);
  }

  @Override
  public Future<WriteResult> submit(Write write) {
    if (queued.incrementAndGet() > maxQueuedWrites) {
      queued.decrementAndGet();
      return Future.failedFuture(overloaded());
    }
    return vertx.eventBus().<WriteResult>request(writesAddress, write, writeOptions)
        .map(msg -> msg.body())
        .recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            queued.decrementAndGet(); // never delivered, so never answered
          }
          return Future.failedFuture(unavailable(err));
        });
  }

  /** How many writes are submitted and not yet answered by the worker. */
  public int queuedWrites() {
    return queued.get();
  }

  /** How many writes were refused because {@code maxQueuedWrites} were waiting. */
  public long shedWrites() {
    return shedTotal.get();
  }

  private SyncException overloaded() {
    long total = shedTotal.incrementAndGet();
    long now = System.nanoTime();
    long last = lastShedLog.get();
    if (now - last >= SHED_LOG_INTERVAL_NANOS && lastShedLog.compareAndSet(last, now)) {
      long shed = total - shedAtLastLog;
      shedAtLastLog = total;
      LOG.warn("overloaded: {} writes are waiting for the worker (worker.maxQueuedWrites);"
          + " answered {} new writes unavailable since the last report", maxQueuedWrites, shed);
    }
    return new SyncException(ErrorCode.UNAVAILABLE, "the server is overloaded (" + maxQueuedWrites
        + " writes waiting to be committed); this write was not applied: retry it later with"
        + " the same opId");
  }

  @Override
  public Future<Subscription> subscribe(String collection, Handler<Change> handler) {
    MessageConsumer<ChangeBatch> consumer = vertx.eventBus().localConsumer(
        changesPrefix + collection, msg -> {
          for (Change c : msg.body().changes()) {
            handler.handle(c);
          }
        });
    return consumer.completion().map(v -> (Subscription) consumer::unregister);
  }

  @Override
  public Future<Void> consumeWrites(Handler<IncomingWrite> handler) {
    MessageConsumer<Write> consumer = vertx.eventBus().localConsumer(writesAddress, msg ->
        handler.handle(new IncomingWrite() {
          @Override
          public Write write() {
            return msg.body();
          }

          @Override
          public void reply(WriteResult result) {
            queued.decrementAndGet();
            msg.reply(result, REPLY_OPTIONS);
          }
        }));
    return consumer.completion();
  }

  @Override
  public Future<Void> publish(List<Change> changes) {
    Map<String, List<Change>> byCollection = new LinkedHashMap<>();
    for (Change c : changes) {
      byCollection.computeIfAbsent(c.collection(), k -> new ArrayList<>()).add(c);
    }
    byCollection.forEach((collection, batch) ->
        vertx.eventBus().publish(changesPrefix + collection, new ChangeBatch(batch),
            changeOptions));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private static SyncException unavailable(Throwable err) {
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && re.getCause() instanceof SyncException se) {
      return se;
    }
    String why = err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT
        ? "no worker answered in time" : "no worker is available";
    return new SyncException(ErrorCode.UNAVAILABLE,
        why + "; the write may not have been applied: retry it with the same opId");
  }

  /** Changes of one collection published together, in seq order. */
  record ChangeBatch(List<Change> changes) {
  }

  private static String codecName(Class<?> type) {
    return "livesync-local-" + type.getSimpleName();
  }

  private static <T> void registerCodec(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(codecName(type)));
    } catch (IllegalStateException alreadyRegistered) {
      // a second bus on the same Vertx instance shares the codecs
    }
  }

  /** Passes objects by reference; refuses to go over the wire. */
  private static final class LocalCodec<T> implements MessageCodec<T, T> {
    private final String name;

    LocalCodec(String name) {
      this.name = name;
    }

    @Override
    public void encodeToWire(io.vertx.core.buffer.Buffer buffer, T t) {
      throw new IllegalStateException(name + " is local only");
    }

    @Override
    public T decodeFromWire(int pos, io.vertx.core.buffer.Buffer buffer) {
      throw new IllegalStateException(name + " is local only");
    }

    @Override
    public T transform(T t) {
      return t;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
