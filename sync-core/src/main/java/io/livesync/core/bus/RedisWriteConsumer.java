package io.livesync.core.bus;

import io.livesync.core.bus.SyncBus.IncomingWrite;
import io.livesync.core.store.RedisLink;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of the write stream. Reads {@code ls:writes} through the consumer group {@code
 * workers} (consumer name = process id) on a connection of its own (XREADGROUP BLOCK), hands each
 * write to the handler, and on {@link IncomingWrite#reply} publishes the result to the gateway
 * that submitted it and then XACKs; answers given together (a worker answers a whole group
 * commit at once) go out as one PUBLISH per gateway and one XACK. Entries another worker read and never acknowledged (it died)
 * are claimed with XAUTOCLAIM once idle for {@code claimIdleMillis}; the opId dedupe makes
 * processing one twice harmless. At start, this consumer's own pending entries (from an earlier
 * life under the same name) are read first.
 *
 * <p>The stream is trimmed with {@code XTRIM MINID} to the oldest entry still pending (or, when
 * none is, the group's last delivered entry), so an entry is never removed before it is acked.
 * Confined to the bus context.
 */
final class RedisWriteConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(RedisWriteConsumer.class);
  private static final long MAX_RETRY_MILLIS = 2_000;
  private static final int CLAIM_COUNT = 100;
  private static final int CLAIM_ROUNDS = 10;

  private final ContextInternal ctx;
  private final RedisLink link;
  private final RedisBusOptions options;
  private final Handler<IncomingWrite> handler;
  private final Context handlerContext;
  private final Witness witness;
  private final Set<String> inFlight = new HashSet<>();
  private final RedisOutbox<Answer> outbox;
  private RedisConnection reader;
  /** Where re-reading this consumer's own pending entries continues; null once done. */
  private String ownPendingCursor = "0";
  private boolean reading;
  private boolean stopped;
  private int failures;
  private long claimTimer = -1;
  private long trimTimer = -1;

  RedisWriteConsumer(ContextInternal ctx, RedisLink link, RedisBusOptions options,
      Handler<IncomingWrite> handler, Context handlerContext, Witness witness) {
    this.ctx = ctx;
    this.link = link;
    this.options = options;
    this.handler = handler;
    this.handlerContext = handlerContext;
    this.witness = witness;
    this.outbox = new RedisOutbox<>(ctx, this::flush);
  }

  /** Where what a gateway saw of a collection's history goes (the worker's store). */
  interface Witness {
    void heard(String collection, String epoch, long seq);
  }

  /** A worker's answer to one stream entry, waiting to be published and acknowledged. */
  record Answer(String entryId, String gateway, String requestId, WriteResult result) {
  }

  /** Creates the group if needed and starts reading. On the bus context. */
  Future<Void> start() {
    return ensureGroup(link).onSuccess(v -> {
      read();
      claimTimer = ctx.setTimer(claimPeriod(), this::claim);
      trimTimer = ctx.setTimer(options.trimIntervalMillis(), this::trim);
    });
  }

  /** XGROUP CREATE ... 0 MKSTREAM: a new group also gets the writes queued before it existed. */
  static Future<Void> ensureGroup(RedisLink link) {
    return link.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(RedisSyncBus.WRITES)
            .arg(RedisSyncBus.GROUP).arg("0").arg("MKSTREAM"))
        .<Void>mapEmpty()
        .recover(err -> {
          String reply = RedisLink.redisError(err);
          return reply != null && reply.startsWith("BUSYGROUP") ? Future.succeededFuture()
              : Future.failedFuture(err);
        });
  }

  void stop() {
    stopped = true;
    ctx.owner().cancelTimer(claimTimer);
    ctx.owner().cancelTimer(trimTimer);
    if (reader != null) {
      discard(reader);
      reader = null;
    }
  }

  private void read() {
    if (stopped || reading || inFlight.size() >= options.maxInFlight()) {
      return;
    }
    reading = true;
    int count = Math.min(options.readBatch(), options.maxInFlight() - inFlight.size());
    String from = ownPendingCursor == null ? ">" : ownPendingCursor;
    readerConnection()
        .compose(c -> c.send(Request.cmd(Command.XREADGROUP).arg("GROUP")
            .arg(RedisSyncBus.GROUP).arg(options.processId()).arg("COUNT").arg(count)
            .arg("BLOCK").arg(options.blockMillis()).arg("STREAMS").arg(RedisSyncBus.WRITES)
            .arg(from)))
        .onComplete(ar -> ctx.runOnContext(v -> {
          reading = false;
          if (stopped) {
            return;
          }
          if (ar.failed()) {
            readFailed(ar.cause());
            return;
          }
          failures = 0;
          Response entries = entriesOf(ar.result());
          int n = dispatchAll(entries);
          if (!">".equals(from)) {
            ownPendingCursor = n < count ? null : entries.get(n - 1).get(0).toString();
          }
          read();
        }));
  }

  private void readFailed(Throwable err) {
    if (reader != null) {
      discard(reader);
      reader = null;
    }
    // after a reconnect, re-read this consumer's pending entries first
    ownPendingCursor = "0";
    failures++;
    long delay = Math.min(MAX_RETRY_MILLIS, 50L << Math.min(failures, 7));
    String reply = RedisLink.redisError(err);
    if (reply != null && reply.startsWith("NOGROUP")) {
      // the stream or its group is gone (a flushed Redis, or one back from an older snapshot):
      // without the group no worker would ever read a write again
      LOG.warn("the write stream's consumer group is missing (Redis lost its data); creating it"
          + " again");
      ensureGroup(link).onComplete(ar -> ctx.runOnContext(v -> {
        if (ar.failed()) {
          LOG.warn("creating the consumer group failed ({}); retrying in {} ms",
              ar.cause().toString(), delay);
        }
        ctx.setTimer(ar.succeeded() ? 1 : delay, t -> read());
      }));
      return;
    }
    LOG.warn("reading writes from Redis failed ({}); retrying in {} ms", err.toString(), delay);
    ctx.setTimer(delay, t -> read());
  }

  private Future<RedisConnection> readerConnection() {
    if (reader != null) {
      return Future.succeededFuture(reader);
    }
    return link.dedicated().map(c -> {
      c.exceptionHandler(err -> LOG.debug("write reader connection failed: {}", err.toString()));
      reader = c;
      return c;
    });
  }

  /** XREADGROUP answers a map (RESP3) or an array of [stream, entries] (RESP2). */
  private static Response entriesOf(Response r) {
    if (r == null || r.size() == 0) {
      return null;
    }
    if (r.isMap()) {
      return r.get(RedisSyncBus.WRITES);
    }
    return r.get(0).get(1);
  }

  /** Hands the entries' writes to the handler, in one task on its context. */
  private int dispatchAll(Response entries) {
    if (entries == null) {
      return 0;
    }
    int n = 0;
    List<IncomingWrite> incoming = new ArrayList<>();
    for (Response entry : entries) {
      n++;
      dispatch(entry.get(0).toString(), entry.get(1), incoming);
    }
    if (!incoming.isEmpty()) {
      handlerContext.runOnContext(v -> incoming.forEach(handler::handle));
    }
    return n;
  }

  private void dispatch(String entryId, Response fields, List<IncomingWrite> out) {
    if (inFlight.contains(entryId)) {
      return;
    }
    String writeJson = null;
    String gateway = null;
    String request = null;
    String seenEpoch = null;
    String seenSeq = null;
    if (fields != null) {
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        switch (fields.get(i).toString()) {
          case "w": writeJson = fields.get(i + 1).toString(); break;
          case "r": gateway = fields.get(i + 1).toString(); break;
          case "q": request = fields.get(i + 1).toString(); break;
          case "e": seenEpoch = fields.get(i + 1).toString(); break;
          case "s": seenSeq = fields.get(i + 1).toString(); break;
          default: break;
        }
      }
    }
    Write write;
    try {
      write = Codec.decodeWrite(Json.parse(writeJson == null ? "null" : writeJson));
    } catch (RuntimeException e) {
      LOG.warn("dropping undecodable stream entry {}: {}", entryId, e.getClass().getSimpleName());
      ack(entryId);
      return;
    }
    if (seenEpoch != null && seenSeq != null) {
      try {
        witness.heard(write.collection(), seenEpoch, Long.parseLong(seenSeq));
      } catch (NumberFormatException e) {
        LOG.debug("stream entry {} has an unreadable seen seq", entryId);
      }
    }
    inFlight.add(entryId);
    String replyTo = gateway;
    String requestId = request;
    AtomicBoolean answered = new AtomicBoolean();
    IncomingWrite incoming = new IncomingWrite() {
      @Override
      public Write write() {
        return write;
      }

      @Override
      public void reply(WriteResult result) {
        if (answered.compareAndSet(false, true)) {
          outbox.add(new Answer(entryId, replyTo, requestId, result));
        }
      }
    };
    out.add(incoming);
  }

  /**
   * Sends the answers collected since the last flush: per gateway one PUBLISH carrying all of
   * its answers, then one XACK of their entries. An entry is acknowledged only after its answer
   * was published; when that fails it stays pending and is redone (claimed again).
   */
  private void flush(List<Answer> answers) {
    Map<String, List<Answer>> byGateway = new LinkedHashMap<>();
    for (Answer a : answers) {
      byGateway.computeIfAbsent(a.gateway() == null || a.requestId() == null ? "" : a.gateway(),
          g -> new ArrayList<>()).add(a);
    }
    byGateway.forEach((gateway, group) -> {
      Future<?> replied = gateway.isEmpty() ? Future.succeededFuture()
          : link.send(Request.cmd(Command.PUBLISH).arg(RedisSyncBus.replyChannel(gateway))
              .arg(RedisSyncBus.encodeReplies(group)));
      Request xack = Request.cmd(Command.XACK).arg(RedisSyncBus.WRITES).arg(RedisSyncBus.GROUP);
      group.forEach(a -> xack.arg(a.entryId()));
      replied.compose(v -> link.send(xack)).onComplete(ar -> ctx.runOnContext(v -> {
        group.forEach(a -> inFlight.remove(a.entryId()));
        if (ar.failed()) {
          LOG.warn("could not answer {} writes ({}); they stay pending and will be redone",
              group.size(), ar.cause().toString());
        }
        read();
      }));
    });
  }

  private Future<Response> ack(String entryId) {
    return link.send(Request.cmd(Command.XACK).arg(RedisSyncBus.WRITES).arg(RedisSyncBus.GROUP)
        .arg(entryId));
  }

  private long claimPeriod() {
    return Math.max(100, options.claimIdleMillis() / 2);
  }

  private void claim(long timer) {
    claimRound("0-0", 0).onComplete(ar -> ctx.runOnContext(v -> {
      if (!stopped) {
        claimTimer = ctx.setTimer(claimPeriod(), this::claim);
      }
    }));
  }

  /** XAUTOCLAIM answers [next cursor, entries, deleted ids]. */
  private Future<Void> claimRound(String cursor, int round) {
    if (stopped || inFlight.size() >= options.maxInFlight()) {
      return Future.succeededFuture();
    }
    return link.send(Request.cmd(Command.XAUTOCLAIM).arg(RedisSyncBus.WRITES)
            .arg(RedisSyncBus.GROUP).arg(options.processId()).arg(options.claimIdleMillis())
            .arg(cursor).arg("COUNT").arg(CLAIM_COUNT))
        .compose(r -> {
          Future<Void> dispatched = Future.future(p -> ctx.runOnContext(v -> {
            int n = dispatchAll(r.get(1));
            if (n > 0) {
              LOG.info("claimed {} writes left pending by another worker", n);
            }
            p.complete();
          }));
          String next = r.get(0).toString();
          return "0-0".equals(next) || round + 1 >= CLAIM_ROUNDS ? dispatched
              : dispatched.compose(v -> claimRound(next, round + 1));
        })
        .recover(err -> {
          LOG.debug("XAUTOCLAIM failed: {}", err.toString());
          return Future.succeededFuture();
        });
  }

  /** XTRIM MINID to the oldest pending entry, or to the last delivered one when none is. */
  private void trim(long timer) {
    Future<Response> pending = link.send(Request.cmd(Command.XPENDING).arg(RedisSyncBus.WRITES)
        .arg(RedisSyncBus.GROUP));
    Future<Response> groups = link.send(Request.cmd(Command.XINFO).arg("GROUPS")
        .arg(RedisSyncBus.WRITES));
    Future.all(pending, groups).compose(v -> {
      Response summary = pending.result();
      String minId = summary != null && summary.get(0).toLong() > 0 && summary.get(1) != null
          ? summary.get(1).toString() : lastDelivered(groups.result());
      if (minId == null) {
        return Future.succeededFuture();
      }
      return link.send(Request.cmd(Command.XTRIM).arg(RedisSyncBus.WRITES).arg("MINID")
          .arg(minId));
    }).onComplete(ar -> ctx.runOnContext(v -> {
      if (ar.failed()) {
        LOG.debug("trimming the write stream failed: {}", ar.cause().toString());
      }
      if (!stopped) {
        trimTimer = ctx.setTimer(options.trimIntervalMillis(), this::trim);
      }
    }));
  }

  /** The group's last-delivered-id from XINFO GROUPS (maps in RESP3, flat arrays in RESP2). */
  private static String lastDelivered(Response groups) {
    if (groups == null) {
      return null;
    }
    for (Response g : groups) {
      String name = field(g, "name");
      if (RedisSyncBus.GROUP.equals(name)) {
        return field(g, "last-delivered-id");
      }
    }
    return null;
  }

  private static String field(Response g, String key) {
    if (g.isMap()) {
      Response v = g.get(key);
      return v == null ? null : v.toString();
    }
    for (int i = 0; i + 1 < g.size(); i += 2) {
      if (key.equals(g.get(i).toString())) {
        return g.get(i + 1) == null ? null : g.get(i + 1).toString();
      }
    }
    return null;
  }

  /** Closes a connection that may be blocked in XREADGROUP so the pool never reuses it. */
  private static void discard(RedisConnection c) {
    // SELECT marks a pooled connection "tainted": close() then closes the socket instead of
    // recycling a connection with a blocking read still pending
    c.send(Request.cmd(Command.SELECT).arg(0));
    c.close();
  }
}
