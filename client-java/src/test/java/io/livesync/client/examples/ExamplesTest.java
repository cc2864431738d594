package io.livesync.client.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.CollectionRef;
import io.livesync.client.SyncClient;
import io.livesync.client.testing.InProcessServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's examples against a real server, so the documentation is known to work. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExamplesTest {
  @TempDir
  static Path dir;
  private static InProcessServer server;

  @BeforeAll
  static void start() throws Exception {
    server = InProcessServer.startWithConfig(dir,
        "{\"worker\":{\"rules\":[{\"pattern\":\"ver*\",\"strategy\":\"version\"}]}}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static SyncClient client() {
    return SyncClient.builder().serverUrl(server.url()).inMemoryStorage().build();
  }

  @Test
  void quickStart() throws Exception {
    List<String> out = QuickStartExample.run(server.url(), dir.resolve("app.db"));
    assertThat(out).hasSize(1);
    assertThat(out.get(0)).matches(
        "[0-9a-f-]{36} \\{\"title\":\"bread\",\"done\":true\\} 1 true 0");
  }

  @Test
  void listenersAndWatch() throws Exception {
    ListenersExample ex = new ListenersExample();
    try (SyncClient client = client()) {
      CollectionRef todos = client.collection("todos-" + System.nanoTime());
      AutoCloseable handle = ex.listen(todos);
      ex.watch(todos);
      assertThat(ex.rendered.poll(10, TimeUnit.SECONDS)).isEqualTo("0 todos");
      assertThat(ex.watched.poll(10, TimeUnit.SECONDS)).isEmpty();
      todos.save("t1", Map.of("title", "milk")).join();
      assertThat(ex.rendered.poll(10, TimeUnit.SECONDS)).isEqualTo("1 todos");
      assertThat(ex.watched.poll(10, TimeUnit.SECONDS)).isPresent();
      handle.close();
      handle.close();
    } finally {
      ex.uiThread.shutdown();
    }
  }

  @Test
  void eventsAndDeadLetters() throws Exception {
    EventsExample ex = new EventsExample();
    try (SyncClient client = client()) {
      ex.observe(client, Runnable::run);
      // under the version strategy an update of a record that does not exist is rejected
      client.collection("versions").update("nothing", Map.of("v", 1)).join();
      assertThat(client.awaitSynced(Duration.ofSeconds(20))).isTrue();
      List<String> lines = List.copyOf(ex.log);
      assertThat(lines).contains("REJECTED nothing, now absent", "refused for good: nothing");
      assertThat(ex.review(client)).hasSize(1);
      assertThat(ex.log).contains("UPDATE nothing: REJECTED");
      assertThat(client.deadLetters()).isEmpty();
    }
  }
}
