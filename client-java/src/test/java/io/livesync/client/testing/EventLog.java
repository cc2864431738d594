package io.livesync.client.testing;

import io.livesync.client.ConnectionState;
import io.livesync.client.SyncClient;
import io.livesync.client.SyncEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Records a client's events and lets a test wait for one (never by sleeping). */
public final class EventLog {
  private final List<SyncEvent> events = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(Predicate<SyncEvent> predicate, CompletableFuture<SyncEvent> future) {
  }

  /** Registers a new log on a builder, so that it sees every event from the start. */
  public static EventLog on(SyncClient.Builder builder) {
    EventLog log = new EventLog();
    builder.eventListener(Runnable::run, log::add);
    return log;
  }

  public static EventLog of(SyncClient client) {
    EventLog log = new EventLog();
    client.addEventListener(Runnable::run, log::add);
    return log;
  }

  private synchronized void add(SyncEvent e) {
    events.add(e);
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      if (w.predicate.test(e)) {
        w.future.complete(e);
        it.remove();
      }
    }
  }

  public synchronized List<SyncEvent> all() {
    return List.copyOf(events);
  }

  public synchronized <T extends SyncEvent> List<T> all(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (SyncEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  /** The number of events so far, for {@link #awaitFrom}. */
  public synchronized int mark() {
    return events.size();
  }

  /** Waits for an event matching {@code p}, counting events seen before the call too. */
  public SyncEvent await(Predicate<SyncEvent> p, Duration timeout) throws Exception {
    return awaitFrom(0, p, timeout);
  }

  /** Waits for an event matching {@code p} among the events from index {@code from} on. */
  public SyncEvent awaitFrom(int from, Predicate<SyncEvent> p, Duration timeout)
      throws Exception {
    CompletableFuture<SyncEvent> f = new CompletableFuture<>();
    synchronized (this) {
      for (SyncEvent e : events.subList(Math.min(from, events.size()), events.size())) {
        if (p.test(e)) {
          return e;
        }
      }
      waiters.add(new Waiter(p, f));
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no matching event within " + timeout + "; events: " + all());
    }
  }

  /** Waits for an event matching {@code p} that arrives after this call. */
  public SyncEvent awaitNext(Predicate<SyncEvent> p, Duration timeout) throws Exception {
    CompletableFuture<SyncEvent> f = new CompletableFuture<>();
    synchronized (this) {
      waiters.add(new Waiter(p, f));
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no new matching event within " + timeout + "; events: "
          + all());
    }
  }

  public static Predicate<SyncEvent> state(ConnectionState s) {
    return e -> e instanceof SyncEvent.StateChanged c && c.current() == s;
  }
}
