package io.livesync.core.store;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.function.BiConsumer;

/**
 * Notices commands Redis has not answered within the request timeout. One periodic check
 * (every quarter of the timeout) instead of a timer per command: answers on one connection come
 * in the order the commands were sent, so only the oldest unanswered command needs looking at,
 * and answered ones are dropped from the front. A command is therefore reported between one and
 * 1.25 timeouts after it was sent. Thread-safe.
 */
final class RedisWatchdog {
  private record Watched(RedisConnection conn, Promise<Response> answer, long deadline) {
  }

  private final Vertx vertx;
  private final long timeoutNanos;
  private final BiConsumer<RedisConnection, Promise<Response>> hung;
  private final ArrayDeque<Watched> watched = new ArrayDeque<>();
  private final long timer;

  /** @param hung called (on a Vert.x thread) for each command not answered in time */
  RedisWatchdog(Vertx vertx, long timeoutMillis,
      BiConsumer<RedisConnection, Promise<Response>> hung) {
    this.vertx = vertx;
    this.timeoutNanos = timeoutMillis * 1_000_000;
    this.hung = hung;
    this.timer = vertx.setPeriodic(Math.max(10, timeoutMillis / 4), id -> check());
  }

  void watch(RedisConnection conn, Promise<Response> answer) {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (this) {
      // answered commands leave from the front as new ones come, so the queue holds about
      // what is in flight rather than everything sent between two checks
      Watched head;
      while ((head = watched.peekFirst()) != null && head.answer().future().isComplete()) {
        watched.pollFirst();
      }
      if (!answer.future().isComplete()) {
        watched.addLast(new Watched(conn, answer, deadline));
      }
    }
  }

  void close() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    long now = System.nanoTime();
    while (true) {
      Watched head;
      synchronized (this) {
        head = watched.peekFirst();
        if (head == null) {
          return;
        }
        if (!head.answer().future().isComplete() && head.deadline() - now > 0) {
          // the oldest unanswered command is within its time; later ones were sent after it
          return;
        }
        watched.pollFirst();
      }
      if (!head.answer().future().isComplete()) {
        hung.accept(head.conn(), head.answer());
      }
    }
  }
}
