package io.livesync.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code catchup}: makes sure a collection holds {@code --records} records (written once, with
 * distinct ids; a collection of the same size left by an earlier run is reused), then connects
 * {@code --subscribers} clients and has them all subscribe at once with cursor {@code --since}.
 * Measures records delivered per second until every one of them is synced.
 */
final class CatchupScenario extends Scenario {
  private static final long PREFILL_LIMIT_MINUTES = 15;

  CatchupScenario(Run run) {
    super(run);
  }

  @Override
  void execute() throws Exception {
    ServerProbe probe = new ServerProbe(opts.httpBase(), 0);
    String name = opts.prefix() + "-" + opts.records();
    Fill fill = probe(probe, name);
    boolean reuse = fill == Fill.FULL;
    if (fill == Fill.PARTIAL) {
      name = name + "-" + run.runId; // an interrupted earlier prefill: start a new one
    }
    int writers = Math.max(1, opts.writers());
    run.collections(new String[] {name}, new int[] {0});
    if (!reuse && opts.records() > 0) {
      prefill(writers);
    } else {
      run.log("reusing " + name + ": it already holds " + opts.records() + " records");
    }
    results.put("collection", name);
    results.put("prefilled", !reuse);

    int m = Math.max(1, opts.subscribers());
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      clients.add(run.newClient());
    }
    long deadline = System.nanoTime() + Scenario.seconds(60 + m / 100.0);
    int failed = run.connectAll(clients, deadline);
    check("all connections open", failed == 0, failed + " connection(s) failed");
    run.log("catch-up storm: " + m + " subscriber(s) from cursor " + opts.since());
    long before = run.stats.catchupItems.sum();
    startMeasuring();
    long t0 = System.nanoTime();
    List<Future<Long>> synced = new ArrayList<>();
    for (Client c : clients) {
      if (c.isOpen()) {
        synced.add(c.subscribe(0, opts.since(), null));
      }
    }
    long end = t0 + TimeUnit.MILLISECONDS.toNanos(opts.durationMillis());
    long t1 = run.timeline(end, true, () -> synced.stream().allMatch(Future::isComplete));
    stopMeasuring();
    measuredSeconds = (t1 - t0) / 1e9;
    long items = run.stats.catchupItems.sum() - before;
    long ok = synced.stream().filter(Future::succeeded).count();
    long expectedEach = Math.max(0, opts.records() - opts.since());
    long allOk = clients.stream().filter(c -> c.itemsThisSubscription == expectedEach).count();
    check("every subscriber synced within --duration", ok == m, (m - ok) + " not synced");
    check("each subscriber got records - since items", allOk == m, (m - allOk)
        + " subscriber(s) got another count (expected " + expectedEach + ")");
    double rate = items / Math.max(1e-9, measuredSeconds);
    results.put("subscribers", m);
    results.put("itemsDelivered", items);
    results.put("recordsPerSec", Math.round(rate));
    results.put("recordsPerSecPerSubscriber", Math.round(rate / m));
    results.put("stormSeconds", Math.round(measuredSeconds * 1000) / 1000.0);
    run.log(String.format(Locale.ROOT, "catch-up: %d items to %d subscriber(s) in %.2f s ="
        + " %,.0f records/s", items, m, measuredSeconds, rate));
  }

  private enum Fill { EMPTY, PARTIAL, FULL }

  /** FULL when the collection's seq is exactly {@code --records} (an earlier prefill). */
  private Fill probe(ServerProbe probe, String name) {
    if (opts.records() == 0) {
      return Fill.FULL;
    }
    try {
      String bearer = run.jwt == null ? null : run.token(-1);
      JsonNode page = pull(probe, name, opts.records(), bearer);
      if (!page.path("reset").asBoolean(true) && page.path("items").isEmpty()
          && page.path("seq").asLong() == opts.records()) {
        return Fill.FULL;
      }
      return pull(probe, name, 0, bearer).path("items").isEmpty() ? Fill.EMPTY : Fill.PARTIAL;
    } catch (Exception e) {
      run.notes.add("could not probe " + name + " over HTTP (" + e.getMessage()
          + "); prefilling a new collection");
      return Fill.PARTIAL;
    }
  }

  private static JsonNode pull(ServerProbe probe, String name, long since, String bearer)
      throws Exception {
    return Json.parseObject(probe.get("/v1/sync/pull?collection=" + name + "&since=" + since
        + "&limit=1", bearer));
  }

  private void prefill(int writers) throws Exception {
    List<Client> wc = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      wc.add(run.newClient());
    }
    int failed = run.connectAll(wc, System.nanoTime() + Scenario.seconds(60));
    if (failed == wc.size()) {
      throw new IllegalStateException("no prefill writer could connect to " + opts.url());
    }
    long per = opts.records() / writers;
    long rest = opts.records() % writers;
    for (int w = 0; w < writers; w++) {
      long limit = per + (w < rest ? 1 : 0);
      run.writers.add(new Writer(run, wc.get(w), w, 0, null, limit, (int) Math.max(1, limit)));
    }
    run.log("prefilling " + opts.records() + " records with " + writers + " writers ...");
    long t0 = System.nanoTime();
    run.phase = "prefill";
    run.startWriterTicks();
    Stats s = run.stats;
    // bounded: done, or every writer's connection gone, or the time limit
    run.timeline(t0 + TimeUnit.MINUTES.toNanos(PREFILL_LIMIT_MINUTES), false,
        () -> s.acks.sum() + s.errors.sum() >= opts.records()
            || wc.stream().noneMatch(Client::isOpen));
    double secs = (System.nanoTime() - t0) / 1e9;
    run.stopWriters();
    long acked = s.changesCommitted.sum();
    results.put("prefillRecords", acked);
    results.put("prefillWritesPerSec", Math.round(acked / secs));
    check("prefill complete", acked == opts.records(), "only " + acked + " of "
        + opts.records() + " records written (errors " + Stats.sums(s.errorsByCode) + ")");
    for (Client c : wc) {
      c.close();
    }
    run.stats.ackTotal.reset();
  }
}
