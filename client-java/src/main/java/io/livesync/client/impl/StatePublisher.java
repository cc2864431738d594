package io.livesync.client.impl;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A {@link Flow.Publisher} of a changing state, built on a change listener: each subscriber
 * gets the current value first, then the latest value whenever it has demand. Values produced
 * while a subscriber has no demand are conflated (only the newest is kept): a state stream
 * never needs the intermediate ones, and so never buffers without bound.
 */
final class StatePublisher<T> implements Flow.Publisher<T> {

  private final Executor executor;
  private final BiFunction<Executor, Consumer<T>, AutoCloseable> source;

  /**
   * @param source registers a listener that feeds values, called on the given executor, into
   *     the consumer; returns its handle
   */
  StatePublisher(Executor executor,
      BiFunction<Executor, Consumer<T>, AutoCloseable> source) {
    this.executor = executor;
    this.source = source;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    new Subscription<T>(subscriber, new SerialExecutor(executor)).start(source);
  }

  private static final class Subscription<T> implements Flow.Subscription {
    private final Flow.Subscriber<? super T> subscriber;
    private final Executor serial;
    private AutoCloseable handle;
    private long demand;
    private T latest;
    private boolean hasLatest;
    private boolean done;

    Subscription(Flow.Subscriber<? super T> subscriber, Executor serial) {
      this.subscriber = subscriber;
      this.serial = serial;
    }

    void start(BiFunction<Executor, Consumer<T>, AutoCloseable> source) {
      serial.execute(() -> subscriber.onSubscribe(this));
      AutoCloseable h = source.apply(serial, this::offer);
      synchronized (this) {
        handle = h;
        if (!done) {
          return;
        }
      }
      closeQuietly(h); // cancelled during onSubscribe
    }

    /** Called on the serial executor by the listener. */
    private void offer(T value) {
      synchronized (this) {
        if (done) {
          return;
        }
        latest = value;
        hasLatest = true;
      }
      deliver();
    }

    /** Runs on the serial executor. */
    private void deliver() {
      T value;
      synchronized (this) {
        if (done || !hasLatest || demand == 0) {
          return;
        }
        value = latest;
        latest = null;
        hasLatest = false;
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
      }
      subscriber.onNext(value);
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        cancel();
        serial.execute(() -> subscriber.onError(
            new IllegalArgumentException("request(" + n + "): demand must be positive")));
        return;
      }
      synchronized (this) {
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      }
      serial.execute(this::deliver);
    }

    @Override
    public void cancel() {
      AutoCloseable h;
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        latest = null;
        h = handle;
      }
      if (h != null) {
        closeQuietly(h);
      }
    }

    private static void closeQuietly(AutoCloseable h) {
      try {
        h.close();
      } catch (Exception ignored) {
        // listener handles do not fail on close
      }
    }
  }
}
