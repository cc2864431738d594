package io.livesync.client.bench;

import io.livesync.client.CollectionRef;
import io.livesync.client.SyncClient;
import io.livesync.client.SyncEvent;
import io.livesync.client.testing.InProcessServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark (not a test): the time from client A's {@code save} to client B's change listener
 * seeing the record, through the real server. Both clients use SQLite files, as on a device.
 *
 * <p>Phase "sequential": one save at a time, the next after B saw the previous (latency without
 * queueing). Phase "paced": saves at a steady rate below the server's per-connection write
 * limit, without waiting (latency under load).
 *
 * <pre>
 * client-java/bench.sh                                 # in-process server
 * client-java/bench.sh http://127.0.0.1:8080 2000 500   # a running server
 * </pre>
 * Arguments: [serverUrl|-] [sequential count, default 2000] [paced rate per second, default 500].
 */
public final class SaveToListenerBench {
  private static final int WARMUP = 300;

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "-";
    int sequential = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    Path dir = Files.createTempDirectory("livesync-bench");
    InProcessServer server = url.equals("-") ? InProcessServer.start(dir.resolve("server"))
        : null;
    URI serverUrl = server != null ? server.url() : URI.create(url);
    System.out.println("server: " + (server != null ? "in-process " : "") + serverUrl);
    String collection = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Long> seenAt = new ConcurrentHashMap<>();
    Map<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
    CountDownLatch pacedSeen = new CountDownLatch(sequential);
    Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    try (SyncClient a = SyncClient.builder().serverUrl(serverUrl).storage(dir.resolve("a.db"))
            .eventListener(Runnable::run, e -> {
              if (e instanceof SyncEvent.Acked ack) {
                ackedAt.putIfAbsent(ack.write().id(), System.nanoTime());
              }
            })
            .build();
         SyncClient b = SyncClient.builder().serverUrl(serverUrl).storage(dir.resolve("b.db"))
            .build()) {
      CollectionRef refA = a.collection(collection);
      CollectionRef refB = b.collection(collection);
      refB.addChangeListener(Runnable::run, snapshot -> {
        long now = System.nanoTime();
        for (String id : snapshot.changedIds()) {
          if (seenAt.putIfAbsent(id, now) == null) {
            if (id.startsWith("p-")) {
              pacedSeen.countDown();
            }
            CompletableFuture<Void> f = waiting.remove(id);
            if (f != null) {
              f.complete(null);
            }
          }
        }
      });
      if (!a.awaitSynced(Duration.ofSeconds(30)) || !b.awaitSynced(Duration.ofSeconds(30))) {
        throw new IllegalStateException("clients did not connect");
      }

      runSequential("warm-up", WARMUP, refA, seenAt, waiting, ackedAt, false);
      runSequential("sequential", sequential, refA, seenAt, waiting, ackedAt, true);
      runPaced("paced " + rate + "/s", sequential, rate, refA, seenAt, ackedAt, pacedSeen);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private static void runSequential(String name, int n, CollectionRef ref,
      Map<String, Long> seenAt, Map<String, CompletableFuture<Void>> waiting,
      Map<String, Long> ackedAt, boolean print) throws Exception {
    long[] micros = new long[n];
    long[] starts = new long[n];
    for (int i = 0; i < n; i++) {
      String id = name.charAt(0) + "-" + i;
      CompletableFuture<Void> seen = new CompletableFuture<>();
      waiting.put(id, seen);
      long start = System.nanoTime();
      starts[i] = start;
      ref.save(id, Map.of("i", i, "title", "record " + i)).join();
      seen.get(30, TimeUnit.SECONDS);
      micros[i] = (seenAt.get(id) - start) / 1000;
    }
    if (print) {
      report(name + " B saw", micros);
      report(name + " A ack", since(starts, ackedAt, name.charAt(0) + "-"));
    }
  }

  private static void runPaced(String name, int n, int perSecond, CollectionRef ref,
      Map<String, Long> seenAt, Map<String, Long> ackedAt, CountDownLatch pacedSeen)
      throws Exception {
    long[] starts = new long[n];
    long interval = 1_000_000_000L / perSecond;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long due = t0 + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      starts[i] = System.nanoTime();
      ref.save("p-" + i, Map.of("i", i, "title", "record " + i)).join();
    }
    if (!pacedSeen.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(pacedSeen.getCount() + " paced saves never reached B");
    }
    long[] micros = new long[n];
    for (int i = 0; i < n; i++) {
      Long seen = seenAt.get("p-" + i);
      if (seen == null) {
        throw new IllegalStateException("p-" + i + " never reached B");
      }
      micros[i] = (seen - starts[i]) / 1000;
    }
    report(name + " B saw", micros);
    report(name + " A ack", since(starts, ackedAt, "p-"));
  }

  /** Microseconds from each start to the matching timestamp (acks may trail: waited for). */
  private static long[] since(long[] starts, Map<String, Long> at, String prefix)
      throws InterruptedException {
    long[] out = new long[starts.length];
    for (int i = 0; i < starts.length; i++) {
      Long t = at.get(prefix + i);
      out[i] = t == null ? -1 : (t - starts[i]) / 1000;
    }
    return out;
  }

  private static void report(String name, long[] micros) {
    long[] s = micros.clone();
    Arrays.sort(s);
    System.out.printf("%-24s n=%d  p50=%.2f ms  p90=%.2f ms  p99=%.2f ms  p99.9=%.2f ms"
        + "  max=%.2f ms%n", name, s.length, pct(s, 50), pct(s, 90), pct(s, 99), pct(s, 99.9),
        s[s.length - 1] / 1000.0);
  }

  private static double pct(long[] sorted, double p) {
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1000.0;
  }

  private SaveToListenerBench() {
  }
}
