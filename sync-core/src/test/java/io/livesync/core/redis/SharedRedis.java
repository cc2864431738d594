package io.livesync.core.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@code redis-server} for a test class: started before its first test on a free
 * loopback port with its own directory, stopped after its last. Register it as {@code
 * @RegisterExtension static final SharedRedis redis = new SharedRedis();}.
 */
public final class SharedRedis implements BeforeAllCallback, AfterAllCallback {
  private RedisServerProcess process;

  @Override
  public void beforeAll(ExtensionContext context) {
    process = RedisServerProcess.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.close();
      process = null;
    }
  }

  /** The running server; only between the class's first and last test. */
  public RedisServerProcess process() {
    if (process == null) {
      throw new IllegalStateException("redis-server runs only while the test class runs");
    }
    return process;
  }

  public String url() {
    return process().url();
  }

  /** Runs one command (see {@link RedisServerProcess#command}). */
  public String command(String... args) {
    return process().command(args);
  }
}
