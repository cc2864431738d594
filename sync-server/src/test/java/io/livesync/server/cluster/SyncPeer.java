package io.livesync.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A test client that behaves as docs/protocol.md asks of a client, and records everything needed
 * to check the guarantees:
 *
 * <ul>
 *   <li><b>Replica</b>: one collection, subscribed from its cursor {@code (epoch, seq)}; live
 *       {@code change}s applied as deltas, {@code changes} pages as full state, {@code synced}
 *       sets the cursor, {@code reset} drops the copy.
 *   <li><b>Stream checks</b>: a live change must have seq = cursor + 1 (a higher one is a
 *       <i>gap</i>, a lower one a <i>duplicate</i>); a catch-up item must be above the cursor;
 *       no seq may arrive twice. The peer still repairs a gap as a client would (subscribe
 *       again from its cursor), so that the test can report it and go on.
 *   <li><b>Writes</b>: at most {@code window} unanswered writes; a write answered {@code
 *       unavailable}, or unanswered when the socket closed, is re-sent with the same opId (and
 *       ts) until it is acked, as a client's outbox does.
 *   <li><b>Failover</b>: when the socket closes, it reconnects to the next gateway of its list
 *       (bounded attempts with backoff) and subscribes from its cursor.
 * </ul>
 *
 * <p>Thread-safe: socket callbacks and the writer thread share the monitor of this object,
 * which is notified on every message so that waits are event-driven.
 */
final class SyncPeer implements AutoCloseable {
  private static final int MAX_RECONNECT_ATTEMPTS = 60;

  /** A record as the replica holds it. */
  record Rec(ObjectNode data, boolean deleted, long version, long seq) {
  }

  /** One ack as received: when, and what. */
  record AckEvent(long nanos, String opId, ObjectNode ack) {
  }

  final String name;
  final String collection;
  private final Vertx vertx;
  private final List<Integer> ports;
  private final WebSocketClient client;
  private final Hlc clock;
  private int portIndex;

  // ---- connection (guarded by this)
  private WebSocket ws;
  private boolean connected;
  private boolean closing;
  private boolean subscribing;
  private int reconnectAttempts;
  private final List<Integer> portsUsed = new ArrayList<>();
  private final List<Long> reconnectedAtNanos = new ArrayList<>();
  private final List<Long> syncedAtNanos = new ArrayList<>();

  // ---- replica (guarded by this)
  private final Map<String, Rec> replica = new HashMap<>();
  private long cursor;
  private String epoch;
  private final Set<Long> received = new HashSet<>();
  private final Map<String, Long> maxSeqById = new HashMap<>();
  private int liveChanges;
  private int catchUpItems;
  private int syncedCount;
  private int unsolicitedSynced;
  private int repairedLive;
  private int resets;
  private int gaps;
  private int duplicates;
  private int subscriptionErrors;
  private final List<String> violations = new ArrayList<>();
  /** Every type received, in order, with its seq where it has one (for failure messages). */
  private final Deque<String> recent = new ArrayDeque<>();

  // ---- writes (guarded by this)
  private final Map<String, ObjectNode> sent = new LinkedHashMap<>();
  private final Map<String, ObjectNode> acks = new HashMap<>();
  private final List<AckEvent> ackEvents = new ArrayList<>();
  private final Set<String> outstanding = new LinkedHashSet<>();
  private final Deque<String> retry = new ArrayDeque<>();
  private final Map<String, Integer> errorsByCode = new TreeMap<>();
  private final List<Long> unavailableNanos = new ArrayList<>();
  private final List<String> unexpectedErrors = new ArrayList<>();
  private int resent;
  private int k;

  SyncPeer(Vertx vertx, String name, String collection, List<Integer> ports, int firstPort) {
    this.vertx = vertx;
    this.name = name;
    this.collection = collection;
    this.ports = List.copyOf(ports);
    this.portIndex = firstPort;
    this.clock = new Hlc(name);
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20)
        .setConnectTimeout(5_000));
  }

  // ------------------------------------------------------------------ connection

  /** Connects to the first gateway, subscribes from the cursor and waits for {@code synced}. */
  void connectAndSync() {
    synchronized (this) {
      reconnectAttempts = 0;
    }
    tryConnect();
    await("connected and synced", 30_000, () -> connected && !subscribing);
  }

  int port() {
    synchronized (this) {
      return ports.get(portIndex);
    }
  }

  private void tryConnect() {
    int port;
    synchronized (this) {
      if (closing) {
        return;
      }
      port = ports.get(portIndex);
    }
    client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/ws")).onComplete(ar -> {
          if (ar.failed()) {
            scheduleReconnect("connect to " + port + " failed: " + ar.cause());
            return;
          }
          onConnected(ar.result(), port);
        });
  }

  private void onConnected(WebSocket socket, int port) {
    synchronized (this) {
      if (closing) {
        socket.close();
        return;
      }
      ws = socket;
      connected = true;
      portsUsed.add(port);
      if (portsUsed.size() > 1) {
        reconnectedAtNanos.add(System.nanoTime());
      }
      socket.textMessageHandler(text -> onText(socket, text));
      socket.exceptionHandler(err -> { });
      socket.closeHandler(v -> onClosed(socket));
      sendSubscribe();
      // writes that were unanswered when the last socket closed go out again
      for (Iterator<String> it = outstanding.iterator(); it.hasNext(); ) {
        String opId = it.next();
        it.remove();
        retry.addFirst(opId);
      }
      notifyAll();
    }
  }

  /** Under the monitor. */
  private void sendSubscribe() {
    ObjectNode msg = Json.object().put("type", "subscribe").put("collection", collection)
        .put("since", cursor);
    if (epoch != null) {
      msg.put("epoch", epoch);
    }
    subscribing = true;
    ws.writeTextMessage(Json.write(msg));
  }

  private void onClosed(WebSocket socket) {
    synchronized (this) {
      if (socket != ws) {
        return;
      }
      connected = false;
      ws = null;
      subscribing = false;
      // whatever was in flight may or may not have been applied: re-send it with its opId
      for (String opId : outstanding) {
        retry.addLast(opId);
      }
      outstanding.clear();
      notifyAll();
      if (closing) {
        return;
      }
      portIndex = (portIndex + 1) % ports.size();
    }
    scheduleReconnect("socket closed");
  }

  private void scheduleReconnect(String why) {
    long delay;
    synchronized (this) {
      if (closing) {
        return;
      }
      reconnectAttempts++;
      if (reconnectAttempts > MAX_RECONNECT_ATTEMPTS) {
        violations.add("gave up reconnecting after " + MAX_RECONNECT_ATTEMPTS + " attempts: "
            + why);
        notifyAll();
        return;
      }
      if (reconnectAttempts > 1) {
        portIndex = (portIndex + 1) % ports.size();
      }
      delay = Math.min(1_000, 25L << Math.min(reconnectAttempts, 6));
    }
    vertx.setTimer(delay, t -> tryConnect());
  }

  // ------------------------------------------------------------------ messages

  private void onText(WebSocket socket, String text) {
    ObjectNode m = Json.parseObject(text);
    String type = m.path("type").asText();
    synchronized (this) {
      if (socket != ws) {
        return;
      }
      remember(type + (m.has("seq") ? ":" + m.path("seq").asLong() : "")
          + (type.equals("changes") ? "[" + m.path("items").size() + "]" : ""));
      switch (type) {
        case "welcome":
          reconnectAttempts = 0;
          break;
        case "reset":
          if (collection.equals(m.path("collection").asText())) {
            resets++;
            replica.clear();
            cursor = 0;
            received.clear();
            maxSeqById.clear();
          }
          break;
        case "changes":
          for (JsonNode item : m.path("items")) {
            long seq = item.path("seq").asLong();
            if (seq <= cursor) {
              violations.add("catch-up item seq " + seq + " <= cursor " + cursor);
            }
            see(seq, item.path("id").asText());
            applyFull(item);
            catchUpItems++;
          }
          break;
        case "synced":
          long seq = m.path("seq").asLong();
          if (seq < cursor) {
            violations.add("synced " + seq + " below the cursor " + cursor);
          }
          cursor = seq;
          epoch = m.path("epoch").asText();
          syncedCount++;
          syncedAtNanos.add(System.nanoTime());
          if (subscribing) {
            subscribing = false;
          } else {
            unsolicitedSynced++;
          }
          break;
        case "change":
          onChange(m);
          break;
        case "ack":
          onAck(m);
          break;
        case "error":
          onError(m);
          break;
        default:
          break;
      }
      notifyAll();
    }
  }

  /** Under the monitor. */
  private void onChange(ObjectNode c) {
    long seq = c.path("seq").asLong();
    if (subscribing) {
      violations.add("live change " + seq + " before synced");
    }
    if (seq <= cursor) {
      duplicates++;
      violations.add("duplicate live change seq " + seq + " (cursor " + cursor + ")");
      return;
    }
    if (seq != cursor + 1) {
      gaps++;
      violations.add("gap: live change seq " + seq + " after cursor " + cursor);
      // what a client does: subscribe again from its cursor
      sendSubscribe();
      return;
    }
    see(seq, c.path("id").asText());
    if (!c.has("opId")) {
      // a full-state item the gateway's feed read back from the store after a lost message
      repairedLive++;
    }
    String id = c.path("id").asText();
    String op = c.path("op").asText();
    Rec old = replica.get(id);
    ObjectNode data;
    boolean deleted = false;
    switch (op) {
      case "insert":
        data = withoutNulls((ObjectNode) c.path("data"));
        break;
      case "update":
        data = old == null || old.deleted() ? Json.object() : old.data().deepCopy();
        c.path("data").fields().forEachRemaining(f -> {
          if (f.getValue().isNull()) {
            data.remove(f.getKey());
          } else {
            data.set(f.getKey(), f.getValue().deepCopy());
          }
        });
        break;
      case "delete":
        data = Json.object();
        deleted = true;
        break;
      default:
        violations.add("unknown op " + op + " in " + c);
        return;
    }
    replica.put(id, new Rec(data, deleted, c.path("version").asLong(), seq));
    cursor = seq;
    liveChanges++;
  }

  /** Under the monitor. */
  private void see(long seq, String id) {
    if (!received.add(seq)) {
      duplicates++;
      violations.add("seq " + seq + " received twice");
    }
    maxSeqById.merge(id, seq, Math::max);
  }

  /** Under the monitor. */
  private void applyFull(JsonNode item) {
    boolean deleted = item.path("op").asText().equals("delete");
    ObjectNode data = deleted || !item.path("data").isObject() ? Json.object()
        : withoutNulls((ObjectNode) item.path("data"));
    replica.put(item.path("id").asText(), new Rec(data, deleted, item.path("version").asLong(),
        item.path("seq").asLong()));
  }

  private static ObjectNode withoutNulls(ObjectNode data) {
    ObjectNode copy = data.deepCopy();
    List<String> nulls = new ArrayList<>();
    copy.fields().forEachRemaining(f -> {
      if (f.getValue().isNull()) {
        nulls.add(f.getKey());
      }
    });
    nulls.forEach(copy::remove);
    return copy;
  }

  /** Under the monitor. */
  private void onAck(ObjectNode ack) {
    String opId = ack.path("opId").asText();
    ObjectNode before = acks.get(opId);
    if (before != null && (before.path("seq").asLong() != ack.path("seq").asLong()
        || before.path("version").asLong() != ack.path("version").asLong()
        || !before.path("status").asText().equals(ack.path("status").asText()))) {
      violations.add("two different acks for " + opId + ": " + before + " and " + ack);
    }
    if (before == null) {
      acks.put(opId, ack);
      ackEvents.add(new AckEvent(System.nanoTime(), opId, ack));
    }
    outstanding.remove(opId);
    retry.remove(opId);
  }

  /** Under the monitor. */
  private void onError(ObjectNode e) {
    String code = e.path("code").asText();
    errorsByCode.merge(code, 1, Integer::sum);
    String opId = e.path("opId").asText(null);
    if (opId != null && sent.containsKey(opId)) {
      outstanding.remove(opId);
      if (code.equals("unavailable")) {
        unavailableNanos.add(System.nanoTime());
        if (!acks.containsKey(opId) && !retry.contains(opId)) {
          retry.addLast(opId);
        }
      } else {
        unexpectedErrors.add(e.toString());
      }
      return;
    }
    if (opId == null && collection.equals(e.path("collection").asText())) {
      // the gateway dropped the subscription (its catch-up failed): subscribe again, as the
      // error message asks
      subscriptionErrors++;
      if (connected) {
        sendSubscribe();
      }
      return;
    }
    unexpectedErrors.add(e.toString());
  }

  private void remember(String what) {
    recent.addLast(what);
    if (recent.size() > 40) {
      recent.removeFirst();
    }
  }

  // ------------------------------------------------------------------ writes

  /**
   * Writes continuously for {@code millis}: at most {@code window} unanswered writes, one every
   * {@code paceMillis} (the bounded pacing delay that spreads writes over the period), re-sending
   * {@code unavailable} and orphaned writes first. Then keeps re-sending until every write is
   * acked, for at most {@code drainMillis}. Runs on the calling thread.
   */
  void writeFor(long millis, long paceMillis, int window, long drainMillis) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long drainEnd = end + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    for (long n = 0; n < 1_000_000; n++) {
      boolean generating = System.nanoTime() < end;
      String opId;
      synchronized (this) {
        if (!generating && outstanding.isEmpty() && retry.isEmpty()) {
          return;
        }
        if (System.nanoTime() > drainEnd) {
          return;
        }
        if (!connected || outstanding.size() >= window
            || (!generating && retry.isEmpty())) {
          waitOnMonitor(200);
          continue;
        }
        if (!retry.isEmpty()) {
          opId = retry.pollFirst();
          resent++;
        } else {
          ObjectNode msg = nextWrite();
          opId = msg.path("opId").asText();
          sent.put(opId, msg);
        }
        outstanding.add(opId);
        ws.writeTextMessage(Json.write(sent.get(opId)));
      }
      pace(paceMillis);
    }
  }

  /** The next generated write (under the monitor): a mix over own and shared records. */
  private ObjectNode nextWrite() {
    int i = k++;
    String opId = name + "-" + i + "-" + Long.toHexString(System.nanoTime());
    boolean shared = i % 4 == 3;
    String id = shared ? "shared-" + (i % 3) : name + "-r" + (i % 12);
    ObjectNode msg = Json.object().put("opId", opId).put("collection", collection).put("id", id)
        .put("ts", clock.now());
    if (shared) {
      // each peer owns one field of the shared records: concurrent writes merge field by field
      msg.put("type", "update");
      msg.set("data", Json.object().put(name, i).put("last", name));
    } else if (i % 9 == 8) {
      msg.put("type", "delete");
    } else if (i % 3 == 0) {
      msg.put("type", "insert");
      msg.set("data", Json.object().put("by", name).put("n", i).put("pad", "x".repeat(i % 40)));
    } else {
      ObjectNode delta = Json.object().put("n", i);
      if (i % 5 == 0) {
        delta.putNull("pad");
      }
      msg.put("type", "update");
      msg.set("data", delta);
    }
    return msg;
  }

  /** Sends one write now (and keeps re-sending it on unavailable through the writer loop). */
  void send(ObjectNode msg) {
    synchronized (this) {
      String opId = msg.path("opId").asText();
      sent.put(opId, msg);
      if (connected) {
        outstanding.add(opId);
        ws.writeTextMessage(Json.write(msg));
      } else {
        retry.addLast(opId);
      }
    }
  }

  private void waitOnMonitor(long millis) {
    try {
      wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  private static void pace(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  // ------------------------------------------------------------------ waiting and reading

  /** Waits (on messages, not on a clock) until the condition holds; fails after the timeout. */
  void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (this) {
      while (!condition.getAsBoolean()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError(name + ": not " + what + " within " + timeoutMillis
              + " ms; " + summary());
        }
        waitOnMonitor(Math.min(left, 1_000));
      }
    }
  }

  /** Waits until the replica's cursor reached {@code seq} with no catch-up under way. */
  void awaitCursor(long seq, long timeoutMillis) {
    await("at cursor " + seq, timeoutMillis, () -> cursor >= seq && !subscribing);
  }

  synchronized long cursor() {
    return cursor;
  }

  synchronized String epoch() {
    return epoch;
  }

  synchronized boolean connected() {
    return connected;
  }

  synchronized Map<String, Rec> replica() {
    return new HashMap<>(replica);
  }

  synchronized Set<Long> received() {
    return new HashSet<>(received);
  }

  synchronized Map<String, Long> maxSeqById() {
    return new HashMap<>(maxSeqById);
  }

  synchronized Map<String, ObjectNode> sent() {
    return new LinkedHashMap<>(sent);
  }

  synchronized Map<String, ObjectNode> acks() {
    return new HashMap<>(acks);
  }

  synchronized List<AckEvent> ackEvents() {
    return new ArrayList<>(ackEvents);
  }

  synchronized int ackCount() {
    return acks.size();
  }

  synchronized Set<String> unanswered() {
    Set<String> s = new LinkedHashSet<>(outstanding);
    s.addAll(retry);
    return s;
  }

  synchronized int outstanding() {
    return outstanding.size();
  }

  synchronized List<Long> unavailableNanos() {
    return new ArrayList<>(unavailableNanos);
  }

  synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }

  synchronized List<String> unexpectedErrors() {
    return new ArrayList<>(unexpectedErrors);
  }

  synchronized int gaps() {
    return gaps;
  }

  synchronized int duplicates() {
    return duplicates;
  }

  synchronized int resets() {
    return resets;
  }

  synchronized int liveChanges() {
    return liveChanges;
  }

  synchronized int catchUpItems() {
    return catchUpItems;
  }

  synchronized int unsolicitedSynced() {
    return unsolicitedSynced;
  }

  synchronized int repairedLive() {
    return repairedLive;
  }

  synchronized int subscriptionErrors() {
    return subscriptionErrors;
  }

  synchronized int syncedCount() {
    return syncedCount;
  }

  synchronized List<Integer> portsUsed() {
    return new ArrayList<>(portsUsed);
  }

  /** When each connection after the first was established (nanoTime). */
  synchronized List<Long> reconnectedAtNanos() {
    return new ArrayList<>(reconnectedAtNanos);
  }

  /** When each {@code synced} arrived (nanoTime). */
  synchronized List<Long> syncedAtNanos() {
    return new ArrayList<>(syncedAtNanos);
  }

  synchronized int resent() {
    return resent;
  }

  synchronized Map<String, Integer> errorsByCode() {
    return new TreeMap<>(errorsByCode);
  }

  synchronized String summary() {
    return name + "{port " + (ports.get(portIndex)) + ", connected " + connected
        + ", subscribing " + subscribing + ", cursor " + cursor + ", sent " + sent.size()
        + ", acked " + acks.size() + ", outstanding " + outstanding.size() + ", to resend "
        + retry.size() + ", errors " + errorsByCode + ", live " + liveChanges
        + ", catch-up items " + catchUpItems + ", unsolicited synced " + unsolicitedSynced
        + ", gaps " + gaps + ", duplicates " + duplicates + ", resets " + resets
        + ", violations " + violations.subList(0, Math.min(5, violations.size()))
        + ", recent " + recent + "}";
  }

  @Override
  public void close() {
    WebSocket s;
    synchronized (this) {
      closing = true;
      s = ws;
      notifyAll();
    }
    try {
      if (s != null && !s.isClosed()) {
        s.close().await(5, TimeUnit.SECONDS);
      }
    } catch (Exception ignored) {
      // gone already
    } finally {
      client.close();
    }
  }
}
