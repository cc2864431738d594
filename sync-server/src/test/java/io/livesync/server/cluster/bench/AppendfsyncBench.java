package io.livesync.server.cluster.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.redis.RedisServerProcess;
import io.livesync.protocol.Json;
import io.livesync.server.cluster.Cluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code appendfsync always} costs against {@code everysec}: acked writes per second and
 * ack latency through one gateway and one worker (child JVMs) on one Redis ({@code appendonly
 * yes}, {@code maxmemory-policy noeviction}), all on this machine.
 *
 * <p>Per policy: a fresh cluster; a warm-up; then a <b>loaded</b> run (closed loop: {@code
 * CONNECTIONS} WebSockets each keeping {@code WINDOW} inserts in flight, every ack releasing the
 * next write, each write to its own record) and an <b>unloaded</b> run (one connection, one write
 * at a time). Latency = from sending the write to receiving its ack, measured in this JVM.
 *
 * <pre>
 * mvn -o -q -B install -DskipTests
 * mvn -o -q -B -pl sync-server test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test.cp -Dmdep.includeScope=test
 * cd sync-server && java -cp "target/test-classes:target/classes:$(cat target/test.cp)" \
 *     io.livesync.server.cluster.bench.AppendfsyncBench [loadedSeconds] [unloadedSeconds]
 * </pre>
 */
public final class AppendfsyncBench {
  private static final int CONNECTIONS = 4;
  private static final int WINDOW = 32;
  private static final long WARMUP_SECONDS = 8;
  private static final String CONFIG = "{\"limits\":{\"maxWritesPerSecond\":1000000}}";

  private AppendfsyncBench() {
  }

  record Result(String policy, String run, long acked, long errors, double seconds,
      long p50, long p90, long p99, long max) {
    double perSecond() {
      return acked / seconds;
    }

    String line() {
      return String.format(Locale.ROOT, "| %-8s | %-8s | %,9d | %,8.0f | %6.2f | %6.2f | %6.2f "
              + "| %7.2f | %d |", policy, run, acked, perSecond(), p50 / 1e6, p90 / 1e6,
          p99 / 1e6, max / 1e6, errors);
    }
  }

  public static void main(String[] args) throws Exception {
    long loaded = args.length > 0 ? Long.parseLong(args[0]) : 20;
    long unloaded = args.length > 1 ? Long.parseLong(args[1]) : 5;
    System.out.printf("appendfsync benchmark: %d cores, java %s, %s; %d connections x %d in "
            + "flight for %d s (after %d s warm-up), then 1 x 1 for %d s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        System.getProperty("os.name"), CONNECTIONS, WINDOW, loaded, WARMUP_SECONDS, unloaded);
    List<Result> results = new ArrayList<>();
    for (RedisServerProcess.Fsync fsync : List.of(RedisServerProcess.Fsync.ALWAYS,
        RedisServerProcess.Fsync.EVERYSEC)) {
      results.addAll(run(fsync, loaded, unloaded));
    }
    System.out.println();
    System.out.println("| appendfsync | run | acked | acked/s | p50 ms | p90 ms | p99 ms | "
        + "max ms | errors |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    results.forEach(r -> System.out.println(r.line()));
    System.exit(0);
  }

  private static List<Result> run(RedisServerProcess.Fsync fsync, long loaded, long unloaded)
      throws Exception {
    String policy = fsync.name().toLowerCase(Locale.ROOT);
    Vertx vertx = Vertx.vertx();
    try (Cluster cluster = Cluster.builder("bench-" + policy).gateways(1).workers(1)
        .fsync(fsync).config(CONFIG).jvmArgs("-Xmx512m").start()) {
      System.out.println(policy + ": redis-server " + cluster.redis().command("CONFIG", "GET",
          "appendfsync") + " " + cluster.redis().command("CONFIG", "GET", "appendonly"));
      int port = cluster.gateway(0).port();
      String collection = "bench-" + policy;
      load(vertx, port, collection + "-warmup", CONNECTIONS, WINDOW, WARMUP_SECONDS, policy,
          "warm-up");
      List<Result> out = new ArrayList<>();
      out.add(load(vertx, port, collection, CONNECTIONS, WINDOW, loaded, policy, "loaded"));
      out.add(load(vertx, port, collection + "-1x1", 1, 1, unloaded, policy, "unloaded"));
      out.forEach(r -> System.out.println(r.line()));
      return out;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Closed loop: each connection keeps {@code window} writes in flight for {@code seconds}. */
  private static Result load(Vertx vertx, int port, String collection, int connections,
      int window, long seconds, String policy, String run) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong errors = new AtomicLong();
    List<Conn> conns = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      conns.add(new Conn(vertx, port, collection, "c" + i, window, stop, errors));
    }
    long start = System.nanoTime();
    conns.forEach(Conn::start);
    // the measured period: a plain wait, nothing to react to
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    double elapsed = (System.nanoTime() - start) / 1e9;
    List<Long> latencies = new ArrayList<>();
    for (Conn c : conns) {
      c.drained.get(30, TimeUnit.SECONDS);
      latencies.addAll(c.latencies());
      c.close();
    }
    latencies.sort(null);
    long acked = latencies.size();
    Result r = new Result(policy, run, acked, errors.get(), elapsed, pct(latencies, 0.50),
        pct(latencies, 0.90), pct(latencies, 0.99), latencies.isEmpty() ? 0
        : latencies.get(latencies.size() - 1));
    if (run.equals("warm-up")) {
      System.out.println(r.line());
    }
    return r;
  }

  private static long pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** One WebSocket: sends inserts, keeps {@code window} in flight, records ack latencies. */
  private static final class Conn {
    final WebSocketClient client;
    final WebSocket ws;
    final String collection;
    final String name;
    final int window;
    final AtomicBoolean stop;
    final AtomicLong errors;
    final Map<String, Long> sentAt = new HashMap<>();
    final List<Long> latencies = new ArrayList<>();
    final CompletableFuture<Void> drained = new CompletableFuture<>();
    long next;

    Conn(Vertx vertx, int port, String collection, String name, int window, AtomicBoolean stop,
        AtomicLong errors) throws Exception {
      this.client = vertx.createWebSocketClient();
      this.ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/v1/ws")).await(20, TimeUnit.SECONDS);
      this.collection = collection;
      this.name = name;
      this.window = window;
      this.stop = stop;
      this.errors = errors;
      ws.textMessageHandler(this::onText);
    }

    /** Sends the first window; every reply sends the next write (on the socket's loop). */
    synchronized void start() {
      for (int i = 0; i < window; i++) {
        send();
      }
    }

    private synchronized void send() {
      if (stop.get()) {
        if (sentAt.isEmpty()) {
          drained.complete(null);
        }
        return;
      }
      long k = next++;
      String opId = name + "-" + k + "-" + collection;
      ObjectNode msg = Json.object().put("type", "insert").put("opId", opId)
          .put("collection", collection).put("id", name + "-" + k);
      msg.putObject("data").put("n", k).put("text", "a record of typical size " + k);
      sentAt.put(opId, System.nanoTime());
      ws.writeTextMessage(Json.write(msg));
    }

    private synchronized void onText(String text) {
      ObjectNode m = Json.parseObject(text);
      String type = m.path("type").asText();
      if (!type.equals("ack") && !type.equals("error")) {
        return;
      }
      Long at = sentAt.remove(m.path("opId").asText());
      if (at == null) {
        return;
      }
      if (type.equals("ack")) {
        latencies.add(System.nanoTime() - at);
      } else {
        errors.incrementAndGet();
      }
      send();
    }

    synchronized List<Long> latencies() {
      return new ArrayList<>(latencies);
    }

    void close() {
      ws.close();
      client.close();
    }
  }
}
