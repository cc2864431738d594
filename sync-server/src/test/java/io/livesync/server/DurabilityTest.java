package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Process-level durability: the server runs in a child JVM (this test's classpath, main class
 * {@link SyncServer}); clients write over WebSocket; the child is killed with SIGKILL while
 * writes are in flight; a new child on the same data directory must have every acked write,
 * with its acked version and seq, and continue the collection's seq without a gap. Writes that
 * were in flight when the process died may or may not be there: both are correct.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DurabilityTest {
  private static final Pattern LISTENING =
      Pattern.compile("LiveSync listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final String COLLECTION = "durable";
  private static final int CLIENTS = 4;
  /** Below the 1,000 writes/s per connection limit even if all were sent within one second. */
  private static final int WRITES_PER_CLIENT = 250;
  private static final int WINDOW = 16;
  private static final int KILL_AFTER_ACKS = 500;

  private final List<Child> children = new ArrayList<>();
  private Path dataDir;
  private Vertx vertx;
  private HttpClient http;

  @BeforeEach
  void setUp() throws Exception {
    dataDir = Files.createTempDirectory("livesync-durability");
    vertx = Vertx.vertx();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (Child c : children) {
        c.process.destroyForcibly();
        c.process.onExit().get(30, TimeUnit.SECONDS);
      }
    } finally {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } finally {
        TestServer.deleteTree(dataDir);
      }
    }
  }

  @Test
  void ackedWritesSurviveKillMinus9AndTheSeqContinues() throws Exception {
    Child first = startChild();
    AtomicInteger acked = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    CompletableFuture<Integer> outstandingAtKill = new CompletableFuture<>();
    List<Writer> writers = new ArrayList<>();
    Runnable killer = () -> {
      if (killed.compareAndSet(false, true)) {
        int outstanding = writers.stream().mapToInt(Writer::outstanding).sum();
        first.process.destroyForcibly();
        outstandingAtKill.complete(outstanding);
      }
    };
    for (int c = 0; c < CLIENTS; c++) {
      writers.add(new Writer(c, connect(first.port), acked, killer));
    }
    writers.forEach(Writer::start);

    int outstanding = outstandingAtKill.get(120, TimeUnit.SECONDS);
    first.process.onExit().get(30, TimeUnit.SECONDS);
    assertThat(first.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    assertThat(ProcessHandle.of(first.process.pid()).map(ProcessHandle::isAlive).orElse(false))
        .as("the killed server's process is gone").isFalse();
    assertThat(outstanding).as("writes in flight at the kill").isPositive();

    // Acks still in the socket buffers when the process died count too: they were sent after
    // the commit. Give the clients' sockets time to report the close.
    for (Writer w : writers) {
      w.closed.get(30, TimeUnit.SECONDS);
    }
    Map<String, ObjectNode> acks = new HashMap<>();
    Map<String, ObjectNode> sent = new HashMap<>();
    List<String> order = new ArrayList<>();
    int errors = 0;
    for (Writer w : writers) {
      acks.putAll(w.acks);
      sent.putAll(w.sent);
      order.addAll(w.order);
      errors += w.errors.get();
    }
    assertThat(errors).as("error replies before the kill").isZero();
    assertThat(acks.size()).isGreaterThanOrEqualTo(KILL_AFTER_ACKS);
    int unacked = sent.size() - acks.size();
    assertThat(unacked).isPositive();

    Child second = startChild();

    // 1. Each record holds at least its latest acked version; at exactly that version, it is
    //    that write (same seq, and for an insert the same data).
    Map<String, ObjectNode> latestAckPerId = new HashMap<>();
    long maxAckedSeq = 0;
    for (ObjectNode ack : acks.values()) {
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      latestAckPerId.merge(ack.path("id").asText(), ack,
          (a, b) -> a.path("version").asLong() >= b.path("version").asLong() ? a : b);
      maxAckedSeq = Math.max(maxAckedSeq, ack.path("seq").asLong());
    }
    int advancedByUnacked = 0;
    for (ObjectNode ack : latestAckPerId.values()) {
      String id = ack.path("id").asText();
      HttpResponse<String> r = get(second, "/v1/collections/" + COLLECTION + "/records/" + id);
      assertThat(r.statusCode()).as("acked record %s", id).isEqualTo(200);
      ObjectNode rec = Json.parseObject(r.body());
      long version = rec.path("version").asLong();
      assertThat(version).as("version of %s", id)
          .isGreaterThanOrEqualTo(ack.path("version").asLong());
      if (version == ack.path("version").asLong()) {
        assertThat(rec.path("seq").asLong()).as("seq of %s", id)
            .isEqualTo(ack.path("seq").asLong());
        ObjectNode write = sent.get(ack.path("opId").asText());
        if (write.path("type").asText().equals("insert")) {
          assertThat(rec.path("data")).isEqualTo(write.path("data"));
        }
      } else {
        advancedByUnacked++;
      }
    }

    // 2. The collection's history has no gap: unique seqs, cursor = highest seq.
    long cursor = pullCheckingUniqueSeqs(second);
    assertThat(cursor).isGreaterThanOrEqualTo(maxAckedSeq);

    // 3. Every acked write, re-sent with its opId, answers its original ack and changes nothing.
    List<String> ackedInOrder = order.stream().filter(acks::containsKey).toList();
    int present = 0;
    for (int from = 0; from < ackedInOrder.size(); from += 200) {
      List<String> chunk = ackedInOrder.subList(from, Math.min(ackedInOrder.size(), from + 200));
      ArrayNode writes = Json.MAPPER.createArrayNode();
      chunk.forEach(opId -> writes.add(sent.get(opId)));
      ObjectNode body = Json.object();
      body.set("writes", writes);
      JsonNode results = Json.parseObject(post(second, "/v1/sync/push", Json.write(body)).body())
          .path("results");
      for (int i = 0; i < chunk.size(); i++) {
        ObjectNode original = acks.get(chunk.get(i));
        JsonNode replay = results.get(i);
        assertThat(replay.path("opId").asText()).isEqualTo(chunk.get(i));
        assertThat(replay.path("status").asText()).as("replay of %s", replay)
            .isEqualTo(original.path("status").asText());
        assertThat(replay.path("version").asLong()).isEqualTo(original.path("version").asLong());
        assertThat(replay.path("seq").asLong()).isEqualTo(original.path("seq").asLong());
        present++;
      }
    }
    assertThat(present).isEqualTo(acks.size());
    assertThat(pullCheckingUniqueSeqs(second)).as("replays applied nothing").isEqualTo(cursor);

    // 4. The next write continues the seq.
    ObjectNode next = Json.parseObject(send(second, "PUT", "/v1/collections/" + COLLECTION
        + "/records/after-restart", "{\"x\":1}").body());
    assertThat(next.path("status").asText()).isEqualTo("applied");
    assertThat(next.path("seq").asLong()).isEqualTo(cursor + 1).isGreaterThan(maxAckedSeq);

    System.out.printf("durability: %d writes sent, %d acked, %d in flight at the kill, %d never "
        + "acked; %d records moved past their last acked version by unacked writes that were "
        + "committed; collection seq %d after restart (max acked %d)%n", sent.size(),
        acks.size(), outstanding, unacked, advancedByUnacked, cursor, maxAckedSeq);
  }

  /** Pulls the collection from 0; checks seqs are unique and the cursor is the highest. */
  private long pullCheckingUniqueSeqs(Child child) throws Exception {
    Set<Long> seqs = new HashSet<>();
    Set<String> ids = new HashSet<>();
    long cursor = 0;
    long highest = 0;
    for (int pages = 0; ; pages++) {
      assertThat(pages).isLessThan(1000);
      ObjectNode page = Json.parseObject(get(child, "/v1/sync/pull?collection=" + COLLECTION
          + "&since=" + cursor).body());
      for (JsonNode item : page.path("items")) {
        long seq = item.path("seq").asLong();
        assertThat(seqs.add(seq)).as("seq %d once", seq).isTrue();
        assertThat(ids.add(item.path("id").asText())).isTrue();
        highest = Math.max(highest, seq);
      }
      cursor = page.path("seq").asLong();
      if (!page.path("hasMore").asBoolean()) {
        break;
      }
    }
    assertThat(cursor).as("collection seq = highest record seq").isEqualTo(highest);
    return cursor;
  }

  // ------------------------------------------------------------------ child process

  private record Child(Process process, int port, Deque<String> output) {
  }

  private Child startChild() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        SyncServer.class.getName());
    pb.environment().keySet().removeIf(k -> k.startsWith("SYNC_"));
    pb.environment().put("SYNC_PORT", "0");
    pb.environment().put("SYNC_DATA_DIR", dataDir.toString());
    pb.environment().put("SYNC_GATEWAY_INSTANCES", "2");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    Deque<String> output = new ArrayDeque<>();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (output) {
            output.addLast(line);
            if (output.size() > 200) {
              output.removeFirst();
            }
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (Exception ignored) {
        // the process died
      }
      port.completeExceptionally(new AssertionError("the server exited before listening"));
    }, "child-output-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    Child child;
    try {
      child = new Child(p, port.get(90, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      p.destroyForcibly();
      synchronized (output) {
        throw new AssertionError("server did not start; output:\n" + String.join("\n", output),
            e);
      }
    }
    children.add(child);
    return child;
  }

  // ------------------------------------------------------------------ clients

  private WebSocket connect(int port) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/ws")).await(20, TimeUnit.SECONDS);
  }

  /**
   * Keeps {@link #WINDOW} writes in flight on one socket, sending the next on every reply, until
   * {@link #WRITES_PER_CLIENT} are sent or the server is killed. Runs on the socket's event loop.
   */
  private static final class Writer {
    final int client;
    final WebSocket ws;
    final AtomicInteger totalAcked;
    final Runnable killer;
    final Map<String, ObjectNode> sent = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> acks = new ConcurrentHashMap<>();
    final List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger replies = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger next = new AtomicInteger();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    Writer(int client, WebSocket ws, AtomicInteger totalAcked, Runnable killer) {
      this.client = client;
      this.ws = ws;
      this.totalAcked = totalAcked;
      this.killer = killer;
      ws.textMessageHandler(this::onText);
      ws.exceptionHandler(err -> { });
      ws.closeHandler(v -> closed.complete(null));
    }

    int outstanding() {
      return order.size() - replies.get();
    }

    void start() {
      for (int i = 0; i < WINDOW; i++) {
        sendNext();
      }
    }

    private void sendNext() {
      int k = next.getAndIncrement();
      if (k >= WRITES_PER_CLIENT || closed.isDone()) {
        return;
      }
      String opId = UUID.randomUUID().toString();
      String id = "c" + client + "-" + (k % 25);
      ObjectNode msg = k % 3 == 2
          ? WsClient.writeMessage("update", opId, COLLECTION, id, Json.object().put("k", k))
          : WsClient.writeMessage("insert", opId, COLLECTION, id,
              Json.object().put("client", client).put("k", k).put("pad", "p".repeat(k % 50)));
      sent.put(opId, msg);
      order.add(opId);
      ws.writeTextMessage(Json.write(msg));
    }

    private void onText(String text) {
      ObjectNode m = Json.parseObject(text);
      String type = m.path("type").asText();
      if (type.equals("ack")) {
        acks.put(m.path("opId").asText(), m);
        replies.incrementAndGet();
        if (totalAcked.incrementAndGet() >= KILL_AFTER_ACKS) {
          killer.run();
        }
      } else if (type.equals("error")) {
        errors.incrementAndGet();
        replies.incrementAndGet();
      } else {
        return;
      }
      sendNext();
    }
  }

  // ------------------------------------------------------------------ HTTP

  private HttpResponse<String> get(Child c, String path) throws Exception {
    return send(c, "GET", path, null);
  }

  private HttpResponse<String> post(Child c, String path, String body) throws Exception {
    return send(c, "POST", path, body);
  }

  private HttpResponse<String> send(Child c, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port
        + path)).timeout(Duration.ofSeconds(30)).method(method, body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
