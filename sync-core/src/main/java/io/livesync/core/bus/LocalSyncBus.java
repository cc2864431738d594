package io.livesync.core.bus;

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

/**
 * The bus inside one JVM, on the Vert.x local event bus. Objects travel by reference through
 * local codecs: nothing is serialized. The event bus delivers messages from one sender to one
 * consumer in order, which keeps each collection's changes in seq order.
 */
public final class LocalSyncBus implements SyncBus {
  static final String WRITES = "livesync.writes";
  static final String CHANGES_PREFIX = "livesync.changes.";

  private static final DeliveryOptions REPLY_OPTIONS = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final DeliveryOptions writeOptions;
  private final DeliveryOptions changeOptions;

  public LocalSyncBus(Vertx vertx, long writeTimeoutMillis) {
    this.vertx = vertx;
    registerCodec(vertx, Write.class);
    registerCodec(vertx, WriteResult.class);
    registerCodec(vertx, ChangeBatch.class);
    this.writeOptions = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(writeTimeoutMillis);
    this.changeOptions = new DeliveryOptions().setLocalOnly(true);
  }

  @Override
  public Future<WriteResult> submit(Write write) {
    return vertx.eventBus().<WriteResult>request(WRITES, write, writeOptions)
        .map(msg -> msg.body())
        .recover(err -> Future.failedFuture(unavailable(err)));
  }

  @Override
  public Future<Subscription> subscribe(String collection, Handler<Change> handler) {
    MessageConsumer<ChangeBatch> consumer = vertx.eventBus().localConsumer(
        CHANGES_PREFIX + collection, msg -> {
          for (Change c : msg.body().changes()) {
            handler.handle(c);
          }
        });
    return consumer.completion().map(v -> (Subscription) consumer::unregister);
  }

  @Override
  public Future<Void> consumeWrites(Handler<IncomingWrite> handler) {
    MessageConsumer<Write> consumer = vertx.eventBus().localConsumer(WRITES, msg ->
        handler.handle(new IncomingWrite() {
          @Override
          public Write write() {
            return msg.body();
          }

          @Override
          public void reply(WriteResult result) {
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
        vertx.eventBus().publish(CHANGES_PREFIX + collection, new ChangeBatch(batch),
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
