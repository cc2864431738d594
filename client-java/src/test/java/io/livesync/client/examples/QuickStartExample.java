package io.livesync.client.examples;

import io.livesync.client.CollectionRef;
import io.livesync.client.SyncClient;
import io.livesync.protocol.SyncRecord;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The README's quick start; compiled and run by {@code ExamplesTest}. */
public final class QuickStartExample {

  /** Returns what the example printed, for the test. */
  public static List<String> run(URI serverUrl, Path file) throws Exception {
    String token = null; // a JWT when the server has authentication on
    List<String> out = new java.util.ArrayList<>();
    // tag::quickstart[]
    try (SyncClient client = SyncClient.builder()
        .serverUrl(serverUrl)                     // e.g. http://localhost:8080
        .tokenProvider(() -> token)               // optional; asked again before expiry, on 4001
        .storage(file)                            // or .inMemoryStorage()
        .realtime(true)                           // WebSocket instant path; false = HTTP only
        .reconnectDelay(Duration.ofSeconds(1))    // base of exponential backoff, full jitter
        .maxReconnectAttempts(5)                  // then HTTP polling, socket still probed
        .pollInterval(Duration.ofSeconds(30))
        .build()) {
      CollectionRef todos = client.collection("todos");
      String id = todos.save(Map.of("title", "milk")).join();   // insert, id generated
      todos.save("t1", Map.of("title", "bread"));               // insert or replace
      todos.update("t1", Map.of("done", true));                 // delta only
      Optional<SyncRecord> r = todos.get("t1");                 // visible at once, offline too
      todos.delete("t1");
      List<SyncRecord> all = todos.list();                      // live records, id order

      boolean synced = client.awaitSynced(Duration.ofSeconds(10)); // acked and caught up
      out.add(id + " " + r.orElseThrow().data() + " " + all.size() + " " + synced + " "
          + client.pendingWrites());
    }
    // end::quickstart[]
    return out;
  }

  private QuickStartExample() {
  }
}
