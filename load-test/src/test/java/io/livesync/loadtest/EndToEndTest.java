package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.config.ConfigLoader;
import io.livesync.server.SyncServer;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each scenario for about two seconds with small numbers against a real server in this JVM; the
 * report's counts must agree with each other.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EndToEndTest {
  @TempDir
  static Path tmp;
  static Vertx vertx;
  static SyncServer server;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = SyncServer.start(vertx, ConfigLoader.load(null, Map.of("SYNC_PORT", "0",
        "SYNC_DATA_DIR", tmp.resolve("data").toString()))).await();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop().await();
    }
    vertx.close().await();
  }

  private Report run(String... args) {
    return runAgainst(server, args);
  }

  private Report runAgainst(SyncServer target, String... args) {
    String[] all = new String[args.length + 6];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--url";
    all[args.length + 1] = "ws://127.0.0.1:" + target.port();
    all[args.length + 2] = "--report-dir";
    all[args.length + 3] = tmp.resolve("report-" + args[0]).toString();
    all[args.length + 4] = "--drain";
    all[args.length + 5] = "20s";
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Report r = Main.execute(Options.parse(all), new PrintStream(buf, true,
        StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(r).as(out).isNotNull();
    assertThat(out).contains("reports:");
    // a progress line per timeline sample; a run over in less than 50 ms (a catch-up of a few
    // thousand records on a fast day) has none
    if (r.timeline().stream().anyMatch(Report.Sample::measuring)) {
      assertThat(out).contains("measuring");
    }
    assertThat(tmp.resolve("report-" + args[0]).resolve("report.html")).exists();
    return r;
  }

  private static void countsAgree(Report r) {
    Report.Totals t = r.totals();
    assertThat(t.writesSent()).as("writes sent").isPositive();
    assertThat(t.acks()).as("acks == sent - errors").isEqualTo(t.writesSent() - t.errors());
    assertThat(t.changesCommitted()).isEqualTo(t.acks());
    assertThat(t.gaps()).isZero();
    assertThat(t.duplicates()).isZero();
    assertThat(r.latencies().get("ack").count()).isPositive();
  }

  @Test
  void fanoutDeliversEveryChangeToEverySubscriber() {
    Report r = run("fanout", "--subscribers", "20", "--writers", "2", "--rate", "200",
        "--duration", "2s", "--warmup", "500ms");
    countsAgree(r);
    assertThat(r.totals().deliveries()).isEqualTo(r.totals().changesCommitted() * 20);
    assertThat(r.totals().expectedDeliveries()).isEqualTo(r.totals().deliveries());
    assertThat(r.latencies().get("fanout").count()).isPositive();
    assertThat(r.latencies().get("complete").count()).isPositive();
    assertThat(r.checks()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("ok"));
    assertThat(r.timeline()).isNotEmpty();
  }

  @Test
  void closedLoopWritesSpreadOverCollections() {
    Report r = run("writes", "--subscribers", "3", "--writers", "6", "--collections", "3",
        "--closed-loop", "--inflight", "4", "--duration", "2s", "--warmup", "500ms");
    countsAgree(r);
    // three collections, one subscriber each
    assertThat(r.totals().deliveries()).isEqualTo(r.totals().changesCommitted());
    assertThat(r.rates().acksPerSec()).isPositive();
    assertThat(r.checks()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("ok"));
  }

  /**
   * A server that sheds writes past {@code worker.maxQueuedWrites} (8 here, against a window of
   * 4 x 16): each writer answered {@code unavailable} backs off for 100 ms instead of re-filling
   * its window at once, so the run measures writes, not a storm of rejections.
   */
  @Test
  void closedLoopBacksOffWhenTheServerShedsWrites() throws Exception {
    Path config = tmp.resolve("shedding.json");
    java.nio.file.Files.writeString(config, "{\"worker\":{\"maxQueuedWrites\":8},"
        + "\"limits\":{\"maxWritesPerSecond\":1000000}}");
    // a second server on the same Vertx as the shared one: each has its own local bus
    SyncServer shedding = SyncServer.start(vertx, ConfigLoader.load(config, Map.of("SYNC_PORT",
        "0", "SYNC_DATA_DIR", tmp.resolve("shedding").toString()))).await();
    Report r;
    try {
      r = runAgainst(shedding, "writes", "--subscribers", "1", "--writers", "4",
          "--collections", "1", "--closed-loop", "--inflight", "16", "--duration", "2s",
          "--warmup", "500ms", "--prefix", "shed");
    } finally {
      shedding.stop().await();
    }
    countsAgree(r);
    assertThat(r.errorsByCode()).containsOnlyKeys("unavailable");
    // Sending for 2.5 s, a writer can fill its window at most once per 100 ms pause (plus the
    // first): 4 x 26 x 16. Without the pause each rejection frees a slot at once and the
    // writers loop on rejections.
    assertThat(r.totals().errors()).isPositive().isLessThanOrEqualTo(4 * 26 * 16);
  }

  @Test
  void mixedReconnectsSubscribersThatConverge() {
    Report r = run("mixed", "--subscribers", "20", "--writers", "2", "--collections", "2",
        "--rate", "100", "--duration", "3s", "--warmup", "500ms");
    countsAgree(r);
    assertThat(r.totals().expectedDeliveries()).isEqualTo(-1);
    assertThat(r.checks().get("every subscriber reached its collection's last seq"))
        .isEqualTo("ok");
  }

  @Test
  void signedTokensOpenASecuredServer() throws Exception {
    String secret = "load-test-secret-of-at-least-32-bytes!!";
    // its own Vert.x: two servers on one instance would share the local bus's addresses
    Vertx own = Vertx.vertx();
    SyncServer secured = SyncServer.start(own, ConfigLoader.load(null, Map.of("SYNC_PORT",
        "0", "SYNC_DATA_DIR", tmp.resolve("secured").toString(), "SYNC_AUTH", "on",
        "SYNC_JWT_SECRET", secret))).await();
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      Report r = Main.execute(Options.parse(new String[] {"fanout", "--url",
          "ws://127.0.0.1:" + secured.port(), "--subscribers", "5", "--rate", "50",
          "--duration", "1s", "--warmup", "200ms", "--jwt-secret", secret, "--report-dir",
          tmp.resolve("report-secured").toString()}), new PrintStream(buf, true,
          StandardCharsets.UTF_8));
      assertThat(r.totals().connectFailures()).as(buf.toString(StandardCharsets.UTF_8))
          .isZero();
      assertThat(r.totals().connections()).isEqualTo(6);
      countsAgree(r);
      assertThat(r.totals().deliveries()).isEqualTo(r.totals().changesCommitted() * 5);
    } finally {
      secured.stop().await();
      own.close().await();
    }
  }

  @Test
  void idleConnectionsAreCounted() {
    Report r = run("connections", "--connections", "50", "--duration", "1s",
        "--server-pid", Long.toString(ProcessHandle.current().pid()));
    assertThat(r.totals().connections()).isEqualTo(50);
    assertThat(r.results().get("serverConnectionsGauge")).isEqualTo(50L);
    assertThat((Long) r.results().get("serverHeapWithConnectionsBytes")).isPositive();
    assertThat(r.checks()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("ok"));
  }

  @Test
  void catchupDeliversTheWholeCollectionToEachClient() {
    Report r = run("catchup", "--records", "3000", "--writers", "3", "--subscribers", "4",
        "--duration", "20s");
    assertThat(r.results().get("itemsDelivered")).isEqualTo(12_000L);
    assertThat((Long) r.results().get("recordsPerSec")).isPositive();
    assertThat(r.latencies().get("catchup").count()).isEqualTo(4);
    assertThat(r.checks()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("ok"));
    // a second run finds the collection filled and reuses it
    Report again = run("catchup", "--records", "3000", "--subscribers", "1", "--since", "1000",
        "--duration", "20s");
    assertThat(again.results().get("prefilled")).isEqualTo(false);
    assertThat(again.results().get("itemsDelivered")).isEqualTo(2000L);
  }
}
