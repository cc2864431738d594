package io.livesync.client.examples;

import io.livesync.client.CollectionRef;
import io.livesync.protocol.SyncRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/** The README's listener and watch examples; compiled and run by {@code ExamplesTest}. */
public final class ListenersExample {
  final BlockingQueue<String> rendered = new LinkedBlockingQueue<>();
  final BlockingQueue<Optional<SyncRecord>> watched = new LinkedBlockingQueue<>();
  final ExecutorService uiThread = Executors.newSingleThreadExecutor();

  void render(List<SyncRecord> records) {
    rendered.add(records.size() + " todos");
  }

  AutoCloseable listen(CollectionRef todos) {
    // tag::listener[]
    AutoCloseable handle = todos.addChangeListener(uiThread, snapshot -> {
      render(snapshot.records());       // the whole local view, in id order
      for (String id : snapshot.changedIds()) {
        snapshot.get(id).ifPresentOrElse(
            r -> System.out.println("changed " + id + " -> " + r.data()),
            () -> System.out.println("deleted " + id));
      }
    });
    // ... later: handle.close();       (idempotent)
    // end::listener[]
    return handle;
  }

  void watch(CollectionRef todos) {
    // tag::watch[]
    todos.watch("t1").subscribe(new Flow.Subscriber<>() {
      private Flow.Subscription subscription;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(Optional<SyncRecord> record) {   // current state first, then changes
        watched.add(record);
        subscription.request(1);                         // a slow consumer gets the latest
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onComplete() {
      }
    });
    // end::watch[]
  }
}
