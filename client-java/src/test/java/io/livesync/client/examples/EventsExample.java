package io.livesync.client.examples;

import io.livesync.client.DeadLetter;
import io.livesync.client.SyncClient;
import io.livesync.client.SyncEvent;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;

/** The README's events example; compiled and run by {@code ExamplesTest}. */
public final class EventsExample {
  final BlockingQueue<String> log = new LinkedBlockingQueue<>();

  void log(String line) {
    log.add(line);
  }

  AutoCloseable observe(SyncClient client, Executor executor) {
    // tag::events[]
    AutoCloseable handle = client.addEventListener(executor, event -> {
      if (event instanceof SyncEvent.StateChanged s) {
        log("connection " + s.previous() + " -> " + s.current() + ": " + s.reason());
      } else if (event instanceof SyncEvent.Conflict c) {
        // merged, superseded or rejected: the server's record replaced the local one
        log(c.status() + " " + c.write().id() + ", now "
            + (c.winner() == null ? "absent" : c.winner().data()));
      } else if (event instanceof SyncEvent.DeadLettered d) {
        log("refused for good: " + d.deadLetter().write().id());
      } else if (event instanceof SyncEvent.Error e) {
        log("error: " + e.error());
      }
    });
    // end::events[]
    return handle;
  }

  List<DeadLetter> review(SyncClient client) {
    // tag::deadletters[]
    List<DeadLetter> refused = client.deadLetters();   // oldest first, survive restarts
    for (DeadLetter d : refused) {
      log(d.write().op() + " " + d.write().id() + ": "
          + (d.status() != null ? d.status() : d.error().message()));
    }
    client.clearDeadLetters();
    // end::deadletters[]
    return refused;
  }
}
