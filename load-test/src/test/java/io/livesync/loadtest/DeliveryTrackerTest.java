package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeliveryTrackerTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Runs {@code events} deliveries of each seq on a context, in batches of 50 tasks. */
  private static void deliver(Context ctx, DeliveryTracker t, int collection, long seqs,
      int events, CountDownLatch done) {
    ctx.runOnContext(v -> {
      for (long seq = 1; seq <= seqs; seq++) {
        for (int i = 0; i < events; i++) {
          t.event(collection, seq, (int) (seq % 3), seq * 10);
        }
      }
      done.countDown();
    });
  }

  @Test
  void completesEachWriteOnceWhenTheAckAndEverySubscriberOnEveryLoopHaveSeenIt()
      throws Exception {
    Queue<long[]> completed = new ConcurrentLinkedQueue<>();
    // collection 0: 300 subscribers on two loops plus the ack; collection 1: 2 subscribers
    DeliveryTracker t = new DeliveryTracker(2, new int[] {300, 2},
        (w, tMicros) -> completed.add(new long[] {w, tMicros}));
    VertxInternal vi = (VertxInternal) vertx;
    List<Context> loops = List.of(vi.createEventLoopContext(), vi.createEventLoopContext());
    CountDownLatch done = new CountDownLatch(3);
    deliver(loops.get(0), t, 0, 700, 100, done);
    deliver(loops.get(1), t, 0, 700, 200, done);
    deliver(loops.get(1), t, 1, 700, 2, done);
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    // each loop publishes at the end of its turn: wait for both to have run a later task
    for (Context c : loops) {
      CountDownLatch turn = new CountDownLatch(1);
      c.runOnContext(v -> turn.countDown());
      assertThat(turn.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(completed).as("no write is complete before its ack").isEmpty();
    for (long seq = 1; seq <= 700; seq++) {
      t.event(0, seq, (int) (seq % 3), seq * 10); // the acks, off any event loop
      t.event(1, seq, (int) (seq % 3), seq * 10);
    }
    assertThat(completed).hasSize(1400);
    assertThat(completed).allSatisfy(c -> assertThat(c[0]).isEqualTo(c[1] / 10 % 3));
  }
}
