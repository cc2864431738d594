package io.livesync.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.store.RedisLink;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** A Redis that stops answering: commands fail unavailable in time, then the link recovers. */
@Timeout(60)
class RedisLinkTimeoutTest {
  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  @Test
  void aCommandNotAnsweredInTimeFailsUnavailableAndTheNextConnectionWorks() throws Exception {
    Vertx vertx = Vertx.vertx();
    RedisLink link = RedisLink.create(vertx, redis.url(), List.of(), 400);
    try {
      assertThat(link.send(Request.cmd(Command.PING)).await(20, TimeUnit.SECONDS).toString())
          .isEqualTo("PONG");
      // every client's commands wait for 3 s: the PING below hangs on the shared connection
      assertThat(redis.command("CLIENT", "PAUSE", "3000", "ALL")).isEqualTo("OK");
      long started = System.nanoTime();
      Future<Response> hung = link.send(Request.cmd(Command.PING));
      Throwable err = failureOf(hung);
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(err).isInstanceOf(SyncException.class);
      assertThat(((SyncException) err).code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(tookMillis).isBetween(400L, 2_500L);

      assertThat(redis.command("PING")).isEqualTo("PONG"); // answered once the pause is over
      assertThat(link.send(Request.cmd(Command.PING)).await(20, TimeUnit.SECONDS).toString())
          .isEqualTo("PONG");
    } finally {
      link.close().await(20, TimeUnit.SECONDS);
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static Throwable failureOf(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the command succeeded although Redis was paused");
  }
}
