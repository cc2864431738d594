package io.livesync.loadtest;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

/**
 * One run of a scenario: the Vert.x instance (one event loop per core), the connections, the
 * counters, and the timeline loop that prints progress every second. Scenario code runs on the
 * main thread and drives the connections through their contexts.
 */
final class Run implements AutoCloseable {
  private static final int CONNECT_CONCURRENCY = 200;

  final Options opts;
  final Stats stats = new Stats();
  final String runId = UUID.randomUUID().toString().substring(0, 8);
  final long baseNanos = System.nanoTime();
  final String startedAt = Instant.now().toString();
  final Vertx vertx;
  final WebSocketClient wsClient;
  final JwtSigner jwt;
  final List<Client> clients = Collections.synchronizedList(new ArrayList<>());
  final List<Writer> writers = new ArrayList<>();
  final List<Report.Sample> timeline = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  private final List<Context> contexts = new ArrayList<>();
  private final PrintStream out;
  private String[] collectionNames = new String[0];
  private int[] subscribersPer = new int[0];
  private AtomicLongArray changesPer = new AtomicLongArray(0);
  private AtomicLongArray lastSeq = new AtomicLongArray(0);
  DeliveryTracker tracker;
  /** What the progress line calls intervals that are not measured. */
  volatile String phase = "warm-up";
  private Stats.Counts lastCounts = new Stats.Counts(0, 0, 0, 0, 0, 0, 0, 0);
  private long lastSampleNanos = baseNanos;

  Run(Options opts, PrintStream out) {
    this.opts = opts;
    this.out = out;
    int cores = Runtime.getRuntime().availableProcessors();
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores)
        .setPreferNativeTransport(true)
        .setWorkerPoolSize(2).setInternalBlockingPoolSize(2)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(1_000_000).setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20)
        .setTryUsePerFrameCompression(false).setTryUsePerMessageCompression(false)
        .setTcpNoDelay(true).setConnectTimeout(30_000).setClosingTimeout(2));
    for (int i = 0; i < cores; i++) {
      contexts.add(((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext());
    }
    this.jwt = opts.jwtSecret() == null ? null : new JwtSigner(opts.jwtSecret());
    if (!vertx.isNativeTransportEnabled()) {
      notes.add("the generator runs on NIO (epoll unavailable: "
          + vertx.unavailableNativeTransportCause() + "), which costs it more CPU per message");
    }
  }

  /** Names the collections of this run; {@code subscribers[i]} subscribe to collection i. */
  void collections(String[] names, int[] subscribers) {
    this.collectionNames = names;
    this.subscribersPer = subscribers;
    this.changesPer = new AtomicLongArray(names.length);
    this.lastSeq = new AtomicLongArray(names.length);
    this.tracker = new DeliveryTracker(names.length, subscribers,
        (w, t) -> writers.get(w).completed(t, true));
  }

  String collectionName(int i) {
    return collectionNames[i];
  }

  int collectionCount() {
    return collectionNames.length;
  }

  void changesCommitted(int collection, long seq) {
    changesPer.incrementAndGet(collection);
    lastSeq.accumulateAndGet(collection, seq, Math::max);
  }

  /** The highest seq acked in each collection. */
  long[] lastSeqs() {
    long[] out = new long[lastSeq.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = lastSeq.get(i);
    }
    return out;
  }

  /** Changes committed in each collection times its subscribers. */
  long expectedDeliveries() {
    long sum = 0;
    for (int i = 0; i < collectionNames.length; i++) {
      sum += changesPer.get(i) * subscribersPer[i];
    }
    return sum;
  }

  String token(int clientIndex) {
    long exp = System.currentTimeMillis() / 1000 + 3600
        + (opts.durationMillis() + opts.warmupMillis()) / 1000;
    return jwt.sign("loadtest-" + runId + "-" + clientIndex, exp);
  }

  long nowMicros() {
    return (System.nanoTime() - baseNanos) / 1000;
  }

  long micros(long nanos) {
    return (nanos - baseNanos) / 1000;
  }

  Client newClient() {
    int i = clients.size();
    Client c = new Client(this, i, contexts.get(i % contexts.size()));
    clients.add(c);
    return c;
  }

  /** Connects the clients, at most 200 handshakes at a time; returns how many failed. */
  int connectAll(List<Client> list, long deadlineNanos) throws InterruptedException {
    Semaphore permits = new Semaphore(CONNECT_CONCURRENCY);
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic
        .AtomicInteger();
    String first = null;
    List<String> firstError = Collections.synchronizedList(new ArrayList<>());
    for (Client c : list) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        failed.incrementAndGet();
        continue;
      }
      c.connect().onComplete(ar -> {
        if (ar.failed()) {
          failed.incrementAndGet();
          if (firstError.isEmpty()) {
            firstError.add(String.valueOf(ar.cause().getMessage()));
          }
        }
        permits.release();
      });
    }
    permits.tryAcquire(CONNECT_CONCURRENCY, Math.max(1, deadlineNanos - System.nanoTime()),
        TimeUnit.NANOSECONDS);
    if (failed.get() > 0) {
      notes.add(failed.get() + " connection(s) failed"
          + (firstError.isEmpty() ? "" : ", first: " + firstError.get(0)));
    }
    return failed.get();
  }

  /** Waits for every future (or the deadline); returns how many did not succeed in time. */
  static <T> int awaitAll(List<Future<T>> futures, long deadlineNanos) {
    int bad = 0;
    for (Future<T> f : futures) {
      long left = deadlineNanos - System.nanoTime();
      try {
        f.await(Math.max(1, left), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        bad++;
      }
    }
    return bad;
  }

  /** Starts a 1 ms timer on each event loop that ticks the writers living there. */
  void startWriterTicks() {
    for (Context ctx : contexts) {
      List<Writer> mine = new ArrayList<>();
      for (Writer w : writers) {
        if (w.client.context() == ctx) {
          mine.add(w);
        }
      }
      if (!mine.isEmpty()) {
        ctx.runOnContext(v -> vertx.setPeriodic(1, 1, id -> mine.forEach(Writer::tick)));
      }
    }
  }

  void stopWriters() {
    for (Writer w : writers) {
      w.client.context().runOnContext(v -> w.stop());
    }
  }

  /**
   * Samples every second until {@code endNanos} or until {@code done} says so (checked every
   * 20 ms), printing a progress line; {@code measuring} intervals count towards the latency
   * histograms. Returns the time it stopped.
   */
  long timeline(long endNanos, boolean measuring, BooleanSupplier done)
      throws InterruptedException {
    while (true) {
      long next = Math.min(endNanos, lastSampleNanos + 1_000_000_000L);
      long now = System.nanoTime();
      boolean finished = false;
      while (now < next) {
        if (done != null && done.getAsBoolean()) {
          finished = true;
          break;
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(next - now, 20_000_000L));
        now = System.nanoTime();
      }
      sample(now, measuring);
      if (finished || now >= endNanos || (done != null && done.getAsBoolean())) {
        return now;
      }
    }
  }

  private void sample(long now, boolean measuring) {
    Stats.Counts c = stats.counts();
    Stats.Counts d = c.minus(lastCounts);
    double secs = Math.max(1e-9, (now - lastSampleNanos) / 1e9);
    Stats.IntervalLatency lat = stats.sample(measuring);
    double t = (now - baseNanos) / 1e9;
    lastCounts = c;
    lastSampleNanos = now;
    if (secs < 0.05) {
      return;
    }
    Report.Sample s = new Report.Sample(round(t), measuring, d.sent() / secs, d.acks() / secs,
        d.deliveries() / secs, d.catchupItems() / secs, d.errors() / secs,
        lat.ackP99() / 1000.0, lat.fanoutP99() / 1000.0);
    timeline.add(s);
    if (!opts.quiet()) {
      out.printf(Locale.ROOT, "[%6.1fs %-9s] conns %d  sent %s/s  acked %s/s  deliv %s/s"
          + "  catch-up %s/s  err %s/s  ack p99 %.2f ms  fan-out p99 %.2f ms%n", t,
          measuring ? "measuring" : phase, stats.connected.sum() - stats.closedByServer.sum(),
          ReportWriter.num(s.sentPerSec()), ReportWriter.num(s.acksPerSec()),
          ReportWriter.num(s.deliveriesPerSec()), ReportWriter.num(s.catchupItemsPerSec()),
          ReportWriter.num(s.errorsPerSec()), s.ackP99Ms(), s.fanoutP99Ms());
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  void log(String line) {
    if (!opts.quiet()) {
      out.println(line);
    }
  }

  /** Closes every connection (bounded wait), then Vert.x. */
  @Override
  public void close() {
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (clients) {
      for (Client c : clients) {
        closing.add(c.close());
      }
    }
    awaitAll(closing, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    try {
      wsClient.close().await(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the JVM exits after the report
    }
  }
}
