package io.livesync.core.bus;

import io.livesync.core.store.RedisLink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one pub/sub connection. Keeps the set of channels; when the connection breaks it
 * reconnects with backoff, subscribes every channel again and tells the listener, which must
 * assume messages were lost meanwhile. Confined to the bus context.
 */
final class RedisSubscriber {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriber.class);
  private static final long MAX_BACKOFF_MILLIS = 2_000;

  interface Listener {
    void message(String channel, String payload);

    /** The connection was lost: what is published until {@link #reconnected} is lost. */
    void lost();

    /** The connection came back after a loss; every channel is subscribed again. */
    void reconnected();
  }

  private final ContextInternal ctx;
  private final RedisLink link;
  private final Listener listener;
  private final Set<String> channels = new LinkedHashSet<>();
  /** Channels subscribed on the current connection. */
  private final Set<String> active = new LinkedHashSet<>();
  /** SUBSCRIBEs sent and not yet confirmed by Redis. */
  private final Map<String, Promise<Void>> confirmations = new HashMap<>();
  private RedisConnection conn;
  private Promise<RedisConnection> connecting;
  private boolean lostOnce;
  private int failures;
  private boolean closed;

  RedisSubscriber(ContextInternal ctx, RedisLink link, Listener listener) {
    this.ctx = ctx;
    this.link = link;
    this.listener = listener;
  }

  /** Subscribes; completes once Redis has processed the SUBSCRIBE. On the bus context. */
  Future<Void> subscribe(String channel) {
    channels.add(channel);
    return connection().compose(c -> {
      if (active.contains(channel) || !channels.contains(channel)) {
        return Future.succeededFuture();
      }
      return subscribeOn(c, List.of(channel)).onSuccess(v -> active.add(channel));
    });
  }

  /** Whether messages on the channel are received now (subscribed on a live connection). */
  boolean isActive(String channel) {
    return conn != null && active.contains(channel);
  }

  Future<Void> unsubscribe(String channel) {
    active.remove(channel);
    if (!channels.remove(channel) || conn == null) {
      return Future.succeededFuture();
    }
    return conn.send(Request.cmd(Command.UNSUBSCRIBE).arg(channel)).mapEmpty();
  }

  void close() {
    closed = true;
    if (conn != null) {
      conn.close();
      conn = null;
    }
  }

  /**
   * Sends SUBSCRIBE and completes when Redis confirms every channel (the client completes the
   * command itself as soon as it is written, before Redis has processed it).
   */
  private Future<Void> subscribeOn(RedisConnection c, List<String> names) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> confirmed = new ArrayList<>();
    for (String name : names) {
      confirmed.add(confirmations.computeIfAbsent(name, n -> ctx.promise()).future());
    }
    Request sub = Request.cmd(Command.SUBSCRIBE);
    names.forEach(sub::arg);
    return c.send(sub)
        .compose(v -> Future.all(confirmed).timeout(link.requestTimeoutMillis(),
            TimeUnit.MILLISECONDS))
        .<Void>mapEmpty()
        .onFailure(err -> ctx.runOnContext(x -> names.forEach(confirmations::remove)));
  }

  private Future<RedisConnection> connection() {
    if (closed) {
      return Future.failedFuture("the bus is closed");
    }
    if (conn != null) {
      return Future.succeededFuture(conn);
    }
    if (connecting == null) {
      connecting = ctx.promise();
      attempt();
    }
    return connecting.future();
  }

  /**
   * One connection attempt. A failure fails the callers waiting now (they answer {@code
   * unavailable}) and, when channels need a connection, schedules the next attempt.
   */
  private void attempt() {
    link.dedicated().onComplete(connected -> ctx.runOnContext(v -> {
      if (connected.failed()) {
        failed(connected.cause());
        return;
      }
      RedisConnection c = connected.result();
      if (closed) {
        c.close();
        failed(new IllegalStateException("the bus is closed"));
        return;
      }
      c.handler(this::onPush);
      c.exceptionHandler(err -> lost(c, err.toString()));
      c.endHandler(x -> lost(c, "closed by Redis"));
      List<String> snapshot = List.copyOf(channels);
      subscribeOn(c, snapshot).onComplete(ar -> ctx.runOnContext(x -> {
        if (ar.failed()) {
          c.close();
          failed(ar.cause());
          return;
        }
        conn = c;
        active.clear();
        active.addAll(snapshot);
        failures = 0;
        Promise<RedisConnection> p = connecting;
        connecting = null;
        p.complete(c);
        if (lostOnce) {
          listener.reconnected();
        }
      }));
    }));
  }

  private void failed(Throwable err) {
    Promise<RedisConnection> p = connecting;
    connecting = null;
    p.fail(link.unavailable(err));
    if (closed || channels.isEmpty()) {
      return;
    }
    failures++;
    long delay = Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures, 7));
    LOG.debug("pub/sub connection failed ({}); retrying in {} ms", err.toString(), delay);
    ctx.setTimer(delay, t -> {
      if (conn == null && connecting == null && !closed) {
        connection();
      }
    });
  }

  private void lost(RedisConnection c, String why) {
    ctx.runOnContext(v -> {
      if (c != conn || closed) {
        return;
      }
      LOG.warn("pub/sub connection lost ({}); reconnecting", why);
      conn = null;
      lostOnce = true;
      c.close();
      listener.lost();
      connection();
    });
  }

  private void onPush(Response r) {
    if (r == null || (r.type() != ResponseType.PUSH && r.type() != ResponseType.MULTI)
        || r.size() < 3 || r.get(0) == null || r.get(1) == null) {
      return;
    }
    String kind = r.get(0).toString();
    String channel = r.get(1).toString();
    if ("message".equals(kind) && r.get(2) != null) {
      String payload = r.get(2).toString();
      ctx.runOnContext(v -> listener.message(channel, payload));
    } else if ("subscribe".equals(kind)) {
      ctx.runOnContext(v -> {
        Promise<Void> p = confirmations.remove(channel);
        if (p != null) {
          p.tryComplete();
        }
      });
    }
  }
}
