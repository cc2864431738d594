package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SyncClient.Builder#writesPerSecond}: the socket's pacing follows the setting. Against a
 * server that allows 50 writes per second per connection, a client paced at 25/s sends a queue of
 * 75 writes without one {@code rate_limited} (at 500/s they would leave at once, and 25 of them
 * would be refused); a client at the default 500/s has writes refused (so the server's count can
 * tell the two apart) and still loses none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WritePacingTest {
  private static final Pattern RATE_LIMITED = Pattern.compile(
      "(?m)^livesync_gateway_write_outcomes_total\\{[^}]*outcome=\"rate_limited\"[^}]*} (\\S+)$");

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @Test
  void theSocketIsPacedAtTheConfiguredRate() throws Exception {
    try (InProcessServer server = InProcessServer.startWithConfig(dir,
        "{\"limits\":{\"maxWritesPerSecond\":50}}")) {
      try (SyncClient slow = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
          .writesPerSecond(25).build()) {
        CollectionRef paced = slow.collection("paced");
        for (int i = 0; i < 75; i++) {
          paced.save("p" + i, Map.of("i", i)).join();
        }
        assertThat(slow.awaitSynced(Duration.ofSeconds(30))).isTrue();
      }
      assertThat(ServerState.pull(server.url(), "paced").records()).hasSize(75);
      assertThat(rateLimited(server.url())).as("writes refused at 25/s").isZero();

      try (SyncClient fast = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
          .build()) {
        CollectionRef burst = fast.collection("burst");
        for (int i = 0; i < 100; i++) {
          burst.save("b" + i, Map.of("i", i)).join();
        }
        assertThat(fast.awaitSynced(Duration.ofSeconds(30))).isTrue();
        assertThat(fast.deadLetters()).isEmpty();
      }
      assertThat(ServerState.pull(server.url(), "burst").records()).hasSize(100);
      assertThat(rateLimited(server.url())).as("writes refused at the default 500/s")
          .isPositive();
    }
  }

  @Test
  void aRateOutsideItsRangeIsRefused() {
    assertThatThrownBy(() -> SyncClient.builder().writesPerSecond(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writesPerSecond");
    assertThatThrownBy(() -> SyncClient.builder().writesPerSecond(1_000_001))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000000");
  }

  /** The server's count of writes answered {@code rate_limited}, 0 before the first. */
  private static long rateLimited(URI server) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(server.resolve("/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = RATE_LIMITED.matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
