package io.livesync.core.store;

import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.FutureInternal;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One multiplexed connection to Redis shared by every caller, so independent commands are
 * pipelined and commands sent one after another are executed in that order. When the
 * connection breaks, pending commands fail with {@code unavailable}; the next command reconnects,
 * with exponential backoff between failed attempts (commands sent inside the backoff window fail
 * at once instead of piling up). Every new connection loads the scripts first. A command not
 * answered within the request timeout fails with {@code unavailable} and the connection is
 * replaced ({@link RedisWatchdog}: one periodic check, not a timer per command).
 *
 * <p>Also hands out {@linkplain #dedicated() dedicated connections} for blocking reads and
 * pub/sub. Thread-safe; futures complete on the connection's context.
 */
public final class RedisLink {
  static final long MIN_BACKOFF_MILLIS = 50;
  static final long MAX_BACKOFF_MILLIS = 2_000;

  private final Redis client;
  private final String where;
  private final List<RedisScript> scripts;
  private final long requestTimeoutMillis;
  private final RedisWatchdog watchdog;

  private Future<RedisConnection> current;
  private int failures;
  private long retryAt;
  private boolean closed;

  private RedisLink(Vertx vertx, Redis client, String where, List<RedisScript> scripts,
      long requestTimeoutMillis) {
    this.watchdog = new RedisWatchdog(vertx, requestTimeoutMillis, (conn, answer) -> {
      answer.tryFail(unavailable(new TimeoutException("no answer within "
          + requestTimeoutMillis + " ms")));
      drop(conn, true);
    });
    this.client = client;
    this.where = where;
    this.scripts = List.copyOf(scripts);
    this.requestTimeoutMillis = requestTimeoutMillis;
  }

  /**
   * A link to {@code redisUrl} ({@code redis://[user:password@]host:port[/db]}).
   *
   * @param requestTimeoutMillis a command not answered in this time fails with {@code
   *     unavailable} and the connection is replaced
   */
  public static RedisLink create(Vertx vertx, String redisUrl, List<RedisScript> scripts,
      long requestTimeoutMillis) {
    RedisOptions options = new RedisOptions()
        .setConnectionString(redisUrl)
        .setPreferredProtocolVersion(ProtocolVersion.RESP3)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(65_536)
        .setNetClientOptions(new NetClientOptions()
            .setConnectTimeout((int) Math.min(requestTimeoutMillis, 5_000))
            .setTcpKeepAlive(true)
            .setTcpNoDelay(true));
    return new RedisLink(vertx, Redis.createClient(vertx, options), redacted(redisUrl), scripts,
        requestTimeoutMillis);
  }

  public long requestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  /** The URL without credentials, for messages and logs. */
  public String where() {
    return where;
  }

  /** Sends one command on the shared connection. */
  public Future<Response> send(Request request) {
    return connection().compose(conn -> send(conn, request));
  }

  /** Runs a script with {@code EVALSHA}, loading it again when Redis answers NOSCRIPT. */
  public Future<Response> eval(RedisScript script, List<String> keys, List<String> args) {
    return send(evalsha(script, keys, args)).recover(err -> {
      if (!isNoScript(err)) {
        return Future.failedFuture(err);
      }
      return send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()))
          .compose(loaded -> send(evalsha(script, keys, args)));
    });
  }

  /**
   * A connection of its own for a blocking command or pub/sub; the caller closes it. Fails with
   * {@code unavailable} when Redis cannot be reached.
   */
  public Future<RedisConnection> dedicated() {
    return client.connect().recover(err -> Future.failedFuture(unavailable(err)));
  }

  public Future<Void> close() {
    Future<RedisConnection> c;
    synchronized (this) {
      closed = true;
      c = current;
      current = null;
    }
    if (c != null) {
      c.onSuccess(RedisConnection::close);
    }
    watchdog.close();
    return client.close();
  }

  /** Whether the error is Redis's answer {@code NOSCRIPT}. */
  static boolean isNoScript(Throwable err) {
    String reply = redisError(err);
    return reply != null && reply.startsWith("NOSCRIPT");
  }

  /**
   * The error Redis itself answered (e.g. {@code BUSYGROUP ...}), unwrapped from the {@code
   * unavailable} failure; null when the failure was the connection's.
   */
  public static String redisError(Throwable err) {
    Throwable e = err instanceof SyncException && err.getCause() != null ? err.getCause() : err;
    if (!e.getClass().getName().startsWith("io.vertx.redis.client.impl.types.")
        || e.getMessage() == null || e.getMessage().startsWith("CONNECTION_CLOSED")) {
      return null;
    }
    return e.getMessage();
  }

  /** The {@code unavailable} failure every Redis problem turns into. */
  public SyncException unavailable(Throwable cause) {
    if (cause instanceof SyncException se && se.code() == ErrorCode.UNAVAILABLE) {
      return se;
    }
    return new SyncException(ErrorCode.UNAVAILABLE, "Redis at " + where + " is unavailable ("
        + cause.getMessage() + "); the operation was not confirmed: retry it", cause);
  }

  static Request evalsha(RedisScript script, List<String> keys, List<String> args) {
    Request r = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    keys.forEach(r::arg);
    args.forEach(r::arg);
    return r;
  }

  private Future<Response> send(RedisConnection conn, Request request) {
    Future<Response> sent = conn.send(request);
    // completes on the connection's context, as the client's own future would
    ContextInternal ctx = sent instanceof FutureInternal<Response> f ? f.context() : null;
    Promise<Response> answer = ctx != null ? ctx.promise() : Promise.promise();
    sent.onComplete(ar -> {
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        if (redisError(ar.cause()) == null) {
          drop(conn, false);
        }
        answer.tryFail(unavailable(ar.cause()));
      }
    });
    watchdog.watch(conn, answer);
    return answer.future();
  }

  private Future<RedisConnection> connection() {
    Future<RedisConnection> attempt;
    synchronized (this) {
      if (closed) {
        return Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE,
            "the Redis client is closed"));
      }
      if (current != null) {
        return current.recover(err -> Future.failedFuture(unavailable(err)));
      }
      long now = System.currentTimeMillis();
      if (now < retryAt) {
        return Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE, "Redis at " + where
            + " is unreachable; reconnecting in " + (retryAt - now) + " ms: retry later"));
      }
      attempt = client.connect().compose(this::prepare);
      current = attempt;
    }
    attempt.onComplete(ar -> {
      synchronized (this) {
        if (ar.succeeded()) {
          failures = 0;
          retryAt = 0;
        } else if (current == attempt) {
          current = null;
          failures = Math.min(failures + 1, 16);
          retryAt = System.currentTimeMillis()
              + Math.min(MAX_BACKOFF_MILLIS, MIN_BACKOFF_MILLIS << Math.min(failures - 1, 10));
        }
      }
    });
    return attempt.recover(err -> Future.failedFuture(unavailable(err)));
  }

  /** Installs the failure handlers and loads the scripts before anyone uses the connection. */
  private Future<RedisConnection> prepare(RedisConnection conn) {
    conn.exceptionHandler(err -> drop(conn, false));
    conn.endHandler(v -> drop(conn, false));
    List<Future<Response>> loads = new ArrayList<>();
    for (RedisScript s : scripts) {
      loads.add(conn.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(s.source())));
    }
    return Future.all(loads)
        .timeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
        .map(v -> conn)
        .onFailure(err -> conn.close());
  }

  /** Forgets a broken connection so the next command opens a new one. */
  private void drop(RedisConnection conn, boolean hung) {
    synchronized (this) {
      if (current != null && current.succeeded() && current.result() == conn) {
        current = null;
      }
    }
    if (hung) {
      // A pooled connection is recycled on close() unless it is "tainted"; SELECT taints it, so
      // the pool closes the socket instead of handing a hung connection to the next caller.
      conn.send(Request.cmd(Command.SELECT).arg(0));
    }
    conn.close();
  }

  private static String redacted(String url) {
    try {
      URI u = URI.create(url);
      if (u.getUserInfo() == null) {
        return url;
      }
      return u.getScheme() + "://***@" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
          + (u.getPath() == null ? "" : u.getPath());
    } catch (IllegalArgumentException e) {
      return "(unparsable URL)";
    }
  }
}
