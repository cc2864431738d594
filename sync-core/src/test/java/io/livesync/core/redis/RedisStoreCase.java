package io.livesync.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.store.RedisStore;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tests of a {@link RedisStore} on the class's redis-server, emptied before each test. */
abstract class RedisStoreCase {
  static final int AWAIT = 20;
  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();
  Vertx vertx;
  RedisStore store;

  @BeforeEach
  void connect() throws Exception {
    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url(), RedisStoreTest.OP_RETENTION)
        .await(AWAIT, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    store.close().await(AWAIT, TimeUnit.SECONDS);
    vertx.close().await(AWAIT, TimeUnit.SECONDS);
  }
}
