package io.livesync.client.impl;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor that may itself be
 * multi-threaded. A task that throws does not stop the ones after it.
 */
final class SerialExecutor implements Executor {
  private final Executor delegate;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean running;

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      tasks.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    schedule();
  }

  private void schedule() {
    try {
      delegate.execute(this::runOne);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        tasks.clear();
        running = false;
      }
    }
  }

  private void runOne() {
    Runnable task;
    synchronized (this) {
      task = tasks.poll();
      if (task == null) {
        running = false;
        return;
      }
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    } finally {
      boolean more;
      synchronized (this) {
        more = !tasks.isEmpty();
        running = more;
      }
      if (more) {
        schedule();
      }
    }
  }
}
