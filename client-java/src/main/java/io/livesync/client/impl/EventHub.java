package io.livesync.client.impl;

import io.livesync.client.SyncEvent;
import io.livesync.client.SyncEventListener;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/** The client's event listeners; each gets every event in order on its own executor. */
final class EventHub {
  private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

  AutoCloseable add(Executor executor, SyncEventListener listener) {
    Registration r = new Registration(new SerialExecutor(executor), listener);
    registrations.add(r);
    return r;
  }

  void emit(SyncEvent event) {
    for (Registration r : registrations) {
      r.serial.execute(() -> {
        if (!r.closed.get()) {
          r.listener.onEvent(event);
        }
      });
    }
  }

  private final class Registration implements AutoCloseable {
    final Executor serial;
    final SyncEventListener listener;
    final AtomicBoolean closed = new AtomicBoolean();

    Registration(Executor serial, SyncEventListener listener) {
      this.serial = serial;
      this.listener = listener;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        registrations.remove(this);
      }
    }
  }
}
