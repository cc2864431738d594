package io.livesync.loadtest;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code fanout}, {@code writes} and {@code mixed}: subscribers spread over the collections
 * (subscriber i on collection i mod C), writers likewise (writer w on w mod C). Every subscriber
 * is synced before the first write, so each committed change must reach each subscriber of its
 * collection exactly once. {@code mixed} also reconnects a tenth of the subscribers every second
 * with their cursor, which turns some live deliveries into catch-up items.
 */
final class WriteScenario extends Scenario {
  private final List<Client> subscribers = new ArrayList<>();
  private final List<long[]> maxSeq = new ArrayList<>();
  private final boolean churn;
  private long churnTimer = -1;
  private int churnCursor;

  WriteScenario(Run run) {
    super(run);
    this.churn = opts.scenario().equals("mixed");
  }

  @Override
  void execute() throws Exception {
    int c = opts.collections();
    String[] names = new String[c];
    int[] subsPer = new int[c];
    for (int i = 0; i < c; i++) {
      names[i] = opts.prefix() + "-" + run.runId + "-" + i;
    }
    for (int i = 0; i < opts.subscribers(); i++) {
      subsPer[i % c]++;
    }
    run.collections(names, subsPer);
    List<Client> writerClients = new ArrayList<>();
    for (int i = 0; i < opts.subscribers(); i++) {
      subscribers.add(run.newClient());
    }
    for (int i = 0; i < opts.writers(); i++) {
      writerClients.add(run.newClient());
    }
    List<Client> all = new ArrayList<>(subscribers);
    all.addAll(writerClients);
    long setupDeadline = System.nanoTime() + seconds(60 + all.size() / 200.0);
    run.log("connecting " + all.size() + " connections ...");
    int failed = run.connectAll(all, setupDeadline);
    List<Future<Long>> synced = new ArrayList<>();
    for (int i = 0; i < subscribers.size(); i++) {
      Client s = subscribers.get(i);
      if (s.isOpen()) {
        synced.add(s.subscribe(i % c, 0, null));
      }
    }
    int notSynced = Run.awaitAll(synced, setupDeadline);
    check("all connections open", failed == 0, failed + " connection(s) failed");
    check("all subscribers synced", notSynced == 0, notSynced + " subscriber(s) never synced");
    if (notSynced > 0) {
      // a subscriber that is not synced would count as missing every delivery
      run.notes.add("setup incomplete; the delivery counts below are not comparable");
    }

    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    double perWriter = opts.rate() / Math.max(1, opts.writers());
    for (int w = 0; w < writerClients.size(); w++) {
      Pacer pacer = opts.closedLoop() ? null
          : new Pacer(start + (long) (w * 1e9 / Math.max(1, opts.rate())), perWriter);
      run.writers.add(new Writer(run, writerClients.get(w), w, w % c, pacer, Long.MAX_VALUE,
          opts.ids()));
    }
    long measureFrom0 = start + TimeUnit.MILLISECONDS.toNanos(opts.warmupMillis());
    for (Writer w : run.writers) {
      w.endAt(measureFrom0 + TimeUnit.MILLISECONDS.toNanos(opts.durationMillis()));
    }
    run.startWriterTicks();
    if (churn) {
      startChurn();
    }
    long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(opts.warmupMillis());
    long measureTo = measureFrom + TimeUnit.MILLISECONDS.toNanos(opts.durationMillis());
    run.timeline(measureFrom, false, null);
    startMeasuring();
    long t0 = System.nanoTime();
    long t1 = run.timeline(measureTo, true, null);
    stopMeasuring();
    measuredSeconds = (t1 - t0) / 1e9;
    run.stopWriters();
    stopChurn();
    long stoppedAt = System.nanoTime();
    run.log("stopped writing; draining outstanding acks and deliveries ...");
    run.phase = "draining";
    run.timeline(stoppedAt + TimeUnit.MILLISECONDS.toNanos(opts.drainMillis()), false,
        this::settled);
    finish();
  }

  /** Every write answered and (without churn) every change delivered everywhere. */
  private boolean settled() {
    Stats s = run.stats;
    if (s.acks.sum() + s.errors.sum() < s.sent.sum()) {
      return false;
    }
    return churn ? converged() == 0 : s.deliveries.sum() >= run.expectedDeliveries();
  }

  /** Subscribers whose cursor is behind the last seq acked in their collection. */
  private int converged() {
    long[] last = lastAckedSeqs();
    int behind = 0;
    for (Client s : subscribers) {
      if (s.collection >= 0 && s.lastSeq() < last[s.collection]) {
        behind++;
      }
    }
    return behind;
  }

  private long[] lastAckedSeqs() {
    return run.lastSeqs();
  }

  private void finish() {
    Stats s = run.stats;
    missedSends = 0;
    for (Writer w : run.writers) {
      missedSends += w.missed();
    }
    long sent = s.sent.sum();
    long acks = s.acks.sum();
    long errors = s.errors.sum();
    expectedDeliveries = churn ? -1 : run.expectedDeliveries();
    check("acks == writes sent - errors", acks == sent - errors, "acks " + acks + ", sent "
        + sent + ", errors " + errors + " (" + (sent - errors - acks) + " unanswered)");
    if (!churn) {
      long d = s.deliveries.sum();
      check("deliveries == changes x subscribers", d == expectedDeliveries, "deliveries " + d
          + ", expected " + expectedDeliveries + " (catch-up items " + s.catchupItems.sum()
          + ")");
    }
    int behind = converged();
    check("every subscriber reached its collection's last seq", behind == 0, behind
        + " subscriber(s) behind");
    check("no seq gaps or duplicates", s.gaps.sum() == 0 && s.duplicates.sum() == 0,
        s.gaps.sum() + " gap(s), " + s.duplicates.sum() + " duplicate(s)");
    results.put("ackedWritesPerSec", Math.round(measureEnd.minus(measureStart).acks()
        / Math.max(1e-9, measuredSeconds)));
    results.put("deliveriesPerSec", Math.round(measureEnd.minus(measureStart).deliveries()
        / Math.max(1e-9, measuredSeconds)));
    if (missedSends > 0) {
      run.notes.add(missedSends + " paced writes were due but not sent (socket full): the"
          + " offered rate was lower than asked");
    }
  }

  private void startChurn() {
    int perSecond = Math.max(1, subscribers.size() / 10);
    run.vertx.runOnContext(v -> churnTimer = run.vertx.setPeriodic(1000, id -> {
      for (int k = 0; k < perSecond && !subscribers.isEmpty(); k++) {
        Client s = subscribers.get(churnCursor++ % subscribers.size());
        int coll = s.collection;
        s.close().compose(x -> s.connect())
            .compose(x -> s.subscribe(coll, s.lastSeq(), s.epoch()));
      }
    }));
  }

  private void stopChurn() {
    if (churn) {
      run.vertx.runOnContext(v -> run.vertx.cancelTimer(churnTimer));
    }
  }
}
