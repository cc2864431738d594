package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.EventLog;
import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import io.livesync.protocol.SyncRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Writes on one client reach another through the real server; listeners and watch streams. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BasicSyncTest {
  @TempDir
  Path dir;
  private InProcessServer server;
  private SyncClient a;
  private SyncClient b;

  @BeforeEach
  void start() throws Exception {
    server = InProcessServer.start(dir.resolve("server"));
    a = client("deviceA");
    b = client("deviceB");
  }

  @AfterEach
  void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    server.close();
  }

  private SyncClient client(String node) {
    return SyncClient.builder().serverUrl(server.url()).inMemoryStorage().nodeId(node)
        .reconnectDelay(Duration.ofMillis(50)).build();
  }

  /** Completes with the first snapshot of B's todos that satisfies {@code p}. */
  private static CompletableFuture<CollectionSnapshot> when(CollectionRef ref,
      Predicate<CollectionSnapshot> p) {
    CompletableFuture<CollectionSnapshot> f = new CompletableFuture<>();
    AutoCloseable[] h = new AutoCloseable[1];
    h[0] = ref.addChangeListener(Runnable::run, s -> {
      if (p.test(s)) {
        f.complete(s);
      }
    });
    return f.whenComplete((s, e) -> {
      try {
        h[0].close();
      } catch (Exception ignored) {
        // idempotent close
      }
    });
  }

  @Test
  void saveUpdateDeleteReachTheOtherClient() throws Exception {
    CollectionRef todosA = a.collection("todos");
    CollectionRef todosB = b.collection("todos");

    var seen = when(todosB, s -> s.get("t1").isPresent());
    todosA.save("t1", Map.of("title", "milk")).join();
    assertThat(todosA.get("t1")).map(r -> r.data().path("title").asText()).contains("milk");
    assertThat(seen.get(10, TimeUnit.SECONDS).get("t1").orElseThrow().data().path("title")
        .asText()).isEqualTo("milk");

    var updated = when(todosB, s -> s.get("t1").map(r -> r.data().path("done").asBoolean())
        .orElse(false));
    todosA.update("t1", Map.of("done", true)).join();
    SyncRecord r = updated.get(10, TimeUnit.SECONDS).get("t1").orElseThrow();
    assertThat(r.data().path("title").asText()).isEqualTo("milk");
    assertThat(r.version()).isEqualTo(2);

    Map<String, Object> removal = new HashMap<>();
    removal.put("title", null);
    var removed = when(todosB, s -> s.get("t1").map(x -> !x.data().has("title")).orElse(false));
    todosA.update("t1", removal).join();
    assertThat(removed.get(10, TimeUnit.SECONDS).get("t1").orElseThrow().data().toString())
        .isEqualTo("{\"done\":true}");

    var deleted = when(todosB, s -> s.get("t1").isEmpty() && s.changedIds().contains("t1"));
    todosA.delete("t1").join();
    assertThat(todosA.get("t1")).isEmpty();
    deleted.get(10, TimeUnit.SECONDS);

    // A's ack and B's change travel on different sockets: B may get it after A is synced
    var bread = when(todosB, s -> s.records().stream()
        .anyMatch(x -> x.data().path("title").asText().equals("bread")));
    String id = todosA.save(Map.of("title", "bread")).join();
    assertThat(a.awaitSynced(Duration.ofSeconds(10))).isTrue();
    assertThat(bread.get(10, TimeUnit.SECONDS).get(id)).isPresent();
    assertThat(b.awaitSynced(Duration.ofSeconds(10))).isTrue();
    assertThat(a.pendingWrites()).isZero();
    var onServer = ServerState.awaitConverged(server.url(), "todos", Duration.ofSeconds(10),
        todosA, todosB);
    assertThat(ServerState.comparable(todosA)).isEqualTo(onServer)
        .isEqualTo(ServerState.comparable(todosB));
  }

  @Test
  void eventsReportConnectionAndAcks() throws Exception {
    a.close();
    var builder = SyncClient.builder().serverUrl(server.url()).inMemoryStorage().nodeId("c");
    EventLog events = EventLog.on(builder);
    a = builder.build();
    events.await(e -> e instanceof SyncEvent.StateChanged s
        && s.previous() == null && s.current() == ConnectionState.CONNECTING,
        Duration.ofSeconds(10));
    events.await(EventLog.state(ConnectionState.CONNECTED), Duration.ofSeconds(10));
    assertThat(a.state()).isEqualTo(ConnectionState.CONNECTED);
    a.collection("todos").save("x", Map.of("n", 1)).join();
    SyncEvent.Acked ack = (SyncEvent.Acked) events.await(e -> e instanceof SyncEvent.Acked,
        Duration.ofSeconds(10));
    assertThat(ack.ack().status()).isEqualTo(io.livesync.protocol.WriteStatus.APPLIED);
    assertThat(ack.write().id()).isEqualTo("x");
    events.await(e -> e instanceof SyncEvent.Synced s && s.collection().equals("todos"),
        Duration.ofSeconds(10));
  }

  @Test
  void aTokenIsSentOnTheSocketAndOverHttp() throws Exception {
    // this server build runs with authentication off and ignores the token; the test proves
    // the token travels without breaking the handshake or the HTTP calls
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    try (SyncClient socket = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
            .tokenProvider(() -> "t" + asked.incrementAndGet() + ".e30.sig").build();
         SyncClient http = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
            .realtime(false).tokenProvider(() -> "h.e30.sig").build()) {
      socket.collection("todos").save("tok1", Map.of("n", 1)).join();
      http.collection("todos").save("tok2", Map.of("n", 2)).join();
      assertThat(socket.awaitSynced(Duration.ofSeconds(10))).isTrue();
      assertThat(http.awaitSynced(Duration.ofSeconds(10))).isTrue();
      assertThat(socket.state()).isEqualTo(ConnectionState.CONNECTED);
      assertThat(http.state()).isEqualTo(ConnectionState.POLLING);
      assertThat(asked.get()).isEqualTo(1);
      assertThat(ServerState.pull(server.url(), "todos").records()).containsKeys("tok1", "tok2");
    }
  }

  @Test
  void watchPublishesTheCurrentListThenEachChange() throws Exception {
    CollectionRef todosB = b.collection("todos");
    CompletableFuture<List<SyncRecord>> sawTwo = new CompletableFuture<>();
    CompletableFuture<Optional<SyncRecord>> sawOne = new CompletableFuture<>();
    todosB.watch().subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(List<SyncRecord> list) {
        if (list.size() == 2) {
          sawTwo.complete(list);
        }
      }

      @Override
      public void onError(Throwable t) {
        sawTwo.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
      }
    });
    todosB.watch("w2").subscribe(new Flow.Subscriber<>() {
      Flow.Subscription sub;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        sub = s;
        s.request(1);
      }

      @Override
      public void onNext(Optional<SyncRecord> r) {
        if (r.isPresent()) {
          sawOne.complete(r);
          sub.cancel();
        } else {
          sub.request(1);
        }
      }

      @Override
      public void onError(Throwable t) {
        sawOne.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
      }
    });
    CollectionRef todosA = a.collection("todos");
    todosA.save("w1", Map.of("n", 1)).join();
    todosA.save("w2", Map.of("n", 2)).join();
    assertThat(sawTwo.get(10, TimeUnit.SECONDS)).extracting(SyncRecord::id)
        .containsExactly("w1", "w2");
    assertThat(sawOne.get(10, TimeUnit.SECONDS).orElseThrow().data().path("n").asInt())
        .isEqualTo(2);
  }
}
