package io.livesync.core.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.Store;
import io.livesync.core.store.RedisLink;
import io.livesync.core.store.RedisScript;
import io.livesync.core.store.RedisStore;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.Json;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus across processes, through Redis.
 *
 * <ul>
 *   <li><b>Writes</b>: {@link #submit} XADDs the write to the stream {@value #WRITES} with this
 *       process's id and a request id; workers read it through the consumer group {@value
 *       #GROUP} ({@link RedisWriteConsumer}), and the answer comes back on the pub/sub channel
 *       {@code ls:replies:<processId>}. No answer within {@code writeTimeoutMillis} (a lost
 *       reply, no worker) fails the submit with {@code unavailable}; the write may still be
 *       applied, and its retry with the same opId gets the original ack.
 *   <li><b>Order per record</b>: workers of the consumer group process entries concurrently,
 *       so two entries for one record could be committed in either order. To keep the order
 *       in which this process received writes to one record (what the embedded server does,
 *       and what client-wins's "applied in arrival order" needs), a write is XADDed only once
 *       the previous write of this process to the same record was answered (or failed);
 *       writes to other records are not held back. A held write's timeout runs from its
 *       submit, and a write that timed out while held is never sent. When the pub/sub
 *       connection that carries the answers is lost, every unanswered submit fails at once
 *       with {@code unavailable} instead of waiting for its timeout, and until it is back new
 *       submits fail at once (they are not appended: nobody could deliver their ack).
 *   <li><b>Changes</b>: {@link #subscribe} SUBSCRIBEs (once per collection per process) to the
 *       channel the commit script publishes on; {@link RedisChangeFeed} delivers in seq order
 *       and repairs lost messages from the store.
 *   <li>{@link #publish} does nothing: {@code RedisStore}'s commit script already published each
 *       change atomically with its commit, so a worker that dies right after committing loses
 *       no change.
 * </ul>
 *
 * <p>One instance per process, shared by its gateway and worker verticles. State lives on a
 * context of its own; every method may be called from any thread.
 */
public final class RedisSyncBus implements SyncBus {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSyncBus.class);

  /** The stream of submitted writes. */
  public static final String WRITES = "ls:writes";
  /** The workers' consumer group. */
  public static final String GROUP = "workers";

  private final ContextInternal ctx;
  private final RedisLink link;
  private final RedisBusOptions options;
  private final RedisSubscriber subscriber;
  private final RedisChangeFeed feed;
  private final RedisStore store;
  /** Unanswered submits in submit order, so the oldest deadline is always first. */
  private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
  /** Per record (collection NUL id): the last submitted write's result, until it completes. */
  private final Map<String, Future<WriteResult>> lastPerRecord = new HashMap<>();
  private final List<RedisWriteConsumer> consumers = new ArrayList<>();
  private long nextRequest;
  private long expiryTimer = -1;
  private boolean closed;

  private record Pending(Promise<WriteResult> promise, long deadline) {
  }

  private RedisSyncBus(ContextInternal ctx, RedisLink link, RedisStore store,
      RedisBusOptions options) {
    this.ctx = ctx;
    this.link = link;
    this.options = options;
    this.subscriber = new RedisSubscriber(ctx, link, new RedisSubscriber.Listener() {
      @Override
      public void message(String channel, String payload) {
        onMessage(channel, payload);
      }

      @Override
      public void lost() {
        failPending("the connection carrying the workers' answers to Redis was lost");
      }

      @Override
      public void reconnected() {
        feed.reconnected();
      }
    });
    this.feed = new RedisChangeFeed(ctx, subscriber, store, options.pollIntervalMillis());
    this.store = store;
  }

  /**
   * Connects and subscribes to this process's reply channel. {@code store} is where lost changes
   * are read back from (a {@code RedisStore} on the same Redis).
   */
  public static Future<RedisSyncBus> connect(Vertx vertx, String redisUrl, RedisStore store,
      RedisBusOptions options) {
    ContextInternal ctx = ((VertxInternal) vertx).createEventLoopContext();
    RedisLink link = RedisLink.create(vertx, redisUrl, List.<RedisScript>of(),
        options.writeTimeoutMillis());
    RedisSyncBus bus = new RedisSyncBus(ctx, link, store, options);
    bus.expiryTimer = ctx.setPeriodic(expiryPeriodMillis(options.writeTimeoutMillis()),
        id -> bus.expire());
    return bus.onContext(() -> bus.subscriber.subscribe(replyChannel(options.processId())))
        .map(bus)
        .onFailure(err -> bus.close());
  }

  /**
   * Fails the submits whose answer is overdue: one periodic check instead of a timer per
   * write. Deadlines grow with submit order, so only the front of {@link #pending} is looked at;
   * a submit fails at most one period (a tenth of the timeout, at most 100 ms) late.
   */
  private void expire() {
    long now = System.nanoTime();
    Iterator<Pending> it = pending.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      if (p.deadline() - now > 0) {
        return;
      }
      it.remove();
      p.promise().tryFail(unavailable("no worker answered in time"));
    }
  }

  private static long expiryPeriodMillis(long writeTimeoutMillis) {
    return Math.max(1, Math.min(100, writeTimeoutMillis / 10));
  }

  /** The channel workers answer this gateway's writes on. */
  public static String replyChannel(String processId) {
    return "ls:replies:" + processId;
  }

  public RedisBusOptions options() {
    return options;
  }

  @Override
  public Future<WriteResult> submit(Write write) {
    return onContext(() -> {
      if (closed) {
        return Future.failedFuture(unavailable("the bus is closed"));
      }
      if (!subscriber.isActive(replyChannel(options.processId()))) {
        // the answer could not reach this process: do not append a write nobody would ack
        return Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE, "Redis is "
            + "unreachable (reconnecting); the write was not applied: retry it later"));
      }
      String requestId = Long.toString(++nextRequest);
      Promise<WriteResult> promise = ctx.promise();
      pending.put(requestId, new Pending(promise,
          System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.writeTimeoutMillis())));
      String key = write.collection() + '\u0000' + write.id();
      Future<WriteResult> previous = lastPerRecord.get(key);
      Future<WriteResult> result = promise.future();
      lastPerRecord.put(key, result);
      result.onComplete(ar -> {
        if (lastPerRecord.get(key) == result) {
          lastPerRecord.remove(key);
        }
      });
      if (previous == null) {
        append(requestId, write);
      } else {
        previous.onComplete(ar -> ctx.runOnContext(v -> append(requestId, write)));
      }
      return result;
    });
  }

  /** XADDs a submitted write, unless it already failed (timed out, or the bus closed). */
  private void append(String requestId, Write write) {
    if (!pending.containsKey(requestId)) {
      return;
    }
    Request xadd = Request.cmd(Command.XADD).arg(WRITES).arg("*")
        .arg("w").arg(Json.write(Codec.writeNode(write)))
        .arg("r").arg(options.processId())
        .arg("q").arg(requestId);
    // how far this process has seen the collection's history: a worker that commits the write
    // notices a lost tail from it even if the process that committed the tail is gone
    RedisChangeFeed.Position seen = feed.position(write.collection());
    if (seen != null) {
      xadd.arg("e").arg(seen.epoch()).arg("s").arg(seen.seq());
    }
    link.send(xadd)
        .onFailure(err -> ctx.runOnContext(v -> {
          Pending p = pending.remove(requestId);
          if (p != null) {
            p.promise().tryFail(link.unavailable(err));
          }
        }));
  }

  @Override
  public Future<Subscription> subscribe(String collection, Handler<Change> handler) {
    return subscribe(collection, handler, epoch -> { });
  }

  @Override
  public Future<Subscription> subscribe(String collection, Handler<Change> handler,
      Handler<String> newHistory) {
    Context caller = Vertx.currentContext();
    Context target = caller != null ? caller : ctx;
    return onContext(() -> closed
        ? Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE, "the bus is closed"))
        : feed.subscribe(collection, handler, newHistory, target));
  }

  @Override
  public Future<Void> consumeWrites(Handler<IncomingWrite> handler) {
    Context caller = Vertx.currentContext();
    Context target = caller != null ? caller : ctx;
    return onContext(() -> {
      RedisWriteConsumer consumer =
          new RedisWriteConsumer(ctx, link, options, handler, target, store::heard);
      consumers.add(consumer);
      return consumer.start().onFailure(err -> consumers.remove(consumer));
    });
  }

  /** Nothing to do: the commit script published every change atomically with its commit. */
  @Override
  public Future<Void> publish(List<Change> changes) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return link.send(Request.cmd(Command.PING)).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return onContext(() -> {
      closed = true;
      ctx.owner().cancelTimer(expiryTimer);
      consumers.forEach(RedisWriteConsumer::stop);
      consumers.clear();
      feed.close();
      subscriber.close();
      for (Pending p : pending.values()) {
        p.promise().tryFail(unavailable("the bus was closed before a worker answered"));
      }
      pending.clear();
      return link.close();
    });
  }

  /**
   * Fails every unanswered submit with {@code unavailable}: their answers, if any come, are
   * published while this process is not subscribed and lost, so waiting for the timeout would
   * only hold the writers (and the writes queued behind them for the same record) back. A write
   * already appended may still be applied; its retry with the same opId gets the original ack.
   */
  private void failPending(String why) {
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> failed = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending p : failed) {
      p.promise().tryFail(unavailable(why));
    }
  }

  private void onMessage(String channel, String payload) {
    if (channel.equals(replyChannel(options.processId()))) {
      onReply(payload);
    } else {
      feed.message(channel, payload);
    }
  }

  /** A reply message: one answer object, or an array of them (one per write answered). */
  private void onReply(String payload) {
    JsonNode message;
    try {
      message = Json.parse(payload);
    } catch (RuntimeException e) {
      LOG.warn("undecodable reply from a worker: {}", e.getClass().getSimpleName());
      return;
    }
    if (message.isArray()) {
      message.forEach(this::onAnswer);
    } else {
      onAnswer(message);
    }
  }

  private void onAnswer(JsonNode answer) {
    String requestId;
    WriteResult result;
    try {
      requestId = answer.path("q").asText();
      result = Codec.decodeResult(answer.get("result"));
    } catch (RuntimeException e) {
      LOG.warn("undecodable reply from a worker: {}", e.getClass().getSimpleName());
      return;
    }
    Pending p = pending.remove(requestId);
    if (p != null) {
      p.promise().tryComplete(result);
    }
  }

  /**
   * The message answering several writes of one gateway: {@code [{"q": requestId, "result": ack
   * | {"error": error}}, ...]}.
   */
  static String encodeReplies(List<RedisWriteConsumer.Answer> answers) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (RedisWriteConsumer.Answer a : answers) {
      ObjectNode o = out.addObject().put("q", a.requestId());
      if (a.result().isAck()) {
        o.set("result", Codec.ackNode(a.result().ack()));
      } else {
        o.putObject("result").set("error", Codec.errorNode(a.result().error()));
      }
    }
    return Json.write(out);
  }

  private static SyncException unavailable(String why) {
    return new SyncException(ErrorCode.UNAVAILABLE,
        why + "; the write may not have been applied: retry it with the same opId");
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (Vertx.currentContext() == ctx) {
      return action.get();
    }
    Promise<T> promise = ctx.promise();
    ctx.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }
}
