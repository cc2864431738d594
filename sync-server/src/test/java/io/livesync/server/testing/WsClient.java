package io.livesync.server.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests. Every received message is kept in arrival order; {@link
 * #await} blocks the test thread until a matching message arrives (each message is returned by
 * at most one await).
 */
public final class WsClient implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final WebSocketClient client;
  private final WebSocket ws;
  private final List<ObjectNode> received = new ArrayList<>();
  private final List<Boolean> taken = new ArrayList<>();
  private final Promise<Short> closed = Promise.promise();

  private WsClient(WebSocketClient client, io.vertx.core.http.ClientWebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> {
      synchronized (received) {
        received.add(Json.parseObject(text));
        taken.add(false);
        received.notifyAll();
      }
    });
    ws.closeHandler(v -> {
      closed.tryComplete(ws.closeStatusCode());
      synchronized (received) {
        received.notifyAll();
      }
    });
  }

  public static WsClient connect(Vertx vertx, int port) throws Exception {
    return connect(vertx, new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/ws"));
  }

  public static WsClient connect(Vertx vertx, WebSocketConnectOptions options) throws Exception {
    return connect(vertx, options, new WebSocketClientOptions());
  }

  /** A client whose TCP receive buffer is fixed small: what a stalled slow reader looks like. */
  public static WsClient connectSmallBuffer(Vertx vertx, int port) throws Exception {
    WsClient c = connect(vertx, new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/ws"), new WebSocketClientOptions().setReceiveBufferSize(16 * 1024));
    c.awaitType("welcome");
    return c;
  }

  public static WsClient connect(Vertx vertx, WebSocketConnectOptions options,
      WebSocketClientOptions clientOptions) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(clientOptions
        .setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20));
    try {
      // handlers go on before the handshake, so no early frame (welcome) is missed
      WsClient c = new WsClient(client, client.webSocket());
      ((io.vertx.core.http.ClientWebSocket) c.ws).connect(options).await(20, TimeUnit.SECONDS);
      return c;
    } catch (Exception e) {
      client.close();
      throw e;
    }
  }

  /** Connects and consumes the welcome message. */
  public static WsClient connectWelcomed(Vertx vertx, int port) throws Exception {
    WsClient c = connect(vertx, port);
    c.awaitType("welcome");
    return c;
  }

  public WebSocket socket() {
    return ws;
  }

  public void send(String text) {
    ws.writeTextMessage(text).await();
  }

  public void send(ObjectNode msg) {
    send(Json.write(msg));
  }

  public ObjectNode await(Predicate<ObjectNode> match) {
    return await(match, TIMEOUT);
  }

  public ObjectNode await(Predicate<ObjectNode> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      while (true) {
        for (int i = 0; i < received.size(); i++) {
          if (!taken.get(i) && match.test(received.get(i))) {
            taken.set(i, true);
            return received.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching message within " + timeout + "; received: "
              + tail());
        }
        try {
          received.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted");
        }
      }
    }
  }

  public ObjectNode awaitType(String type) {
    return await(m -> type.equals(m.path("type").asText()));
  }

  /** The ack or error answering an opId. */
  public ObjectNode awaitReply(String opId) {
    return await(m -> opId.equals(m.path("opId").asText())
        && (m.path("type").asText().equals("ack") || m.path("type").asText().equals("error")));
  }

  /** Waits until at least {@code count} messages of a type have arrived; returns all of them. */
  public List<ObjectNode> awaitCount(String type, int count) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos() * 3;
    synchronized (received) {
      while (true) {
        List<ObjectNode> matching = new ArrayList<>();
        for (ObjectNode m : received) {
          if (type.equals(m.path("type").asText())) {
            matching.add(m);
          }
        }
        if (matching.size() >= count) {
          return matching;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("only " + matching.size() + " of " + count + " '" + type
              + "' messages arrived");
        }
        try {
          received.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted");
        }
      }
    }
  }

  /** A snapshot of everything received so far. */
  public List<ObjectNode> all() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  /** Subscribes and returns the synced message. */
  public ObjectNode subscribe(String collection, long since, String epoch) {
    ObjectNode msg = Json.object().put("type", "subscribe").put("collection", collection)
        .put("since", since);
    if (epoch != null) {
      msg.put("epoch", epoch);
    }
    send(msg);
    return await(m -> m.path("type").asText().equals("synced")
        && m.path("collection").asText().equals(collection));
  }

  /** Sends a write and returns its ack or error. */
  public ObjectNode write(String type, String collection, String id, ObjectNode data) {
    return write(type, collection, id, data, null, null);
  }

  /** Sends a write with a new opId, and {@code ts} and {@code baseVersion} when not null. */
  public ObjectNode write(String type, String collection, String id, ObjectNode data, String ts,
      Long baseVersion) {
    String opId = UUID.randomUUID().toString();
    ObjectNode msg = writeMessage(type, opId, collection, id, data);
    if (ts != null) {
      msg.put("ts", ts);
    }
    if (baseVersion != null) {
      msg.put("baseVersion", baseVersion);
    }
    send(msg);
    return awaitReply(opId);
  }

  public static ObjectNode writeMessage(String type, String opId, String collection, String id,
      ObjectNode data) {
    ObjectNode msg = Json.object().put("type", type).put("opId", opId)
        .put("collection", collection).put("id", id);
    if (data != null) {
      msg.set("data", data);
    }
    return msg;
  }

  /** Completes with the close status code when the server closes the socket. */
  public Future<Short> closed() {
    return closed.future();
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public void close() {
    try {
      if (!ws.isClosed()) {
        ws.close().await(5, TimeUnit.SECONDS);
      }
    } catch (Exception ignored) {
      // already gone
    } finally {
      client.close();
    }
  }

  private String tail() {
    int from = Math.max(0, received.size() - 10);
    return received.subList(from, received.size()).toString();
  }

  public static void awaitClose(WsClient c, short expected) throws TimeoutException {
    try {
      Short code = c.closed().await(20, TimeUnit.SECONDS);
      if (code == null || code != expected) {
        throw new AssertionError("closed with " + code + ", expected " + expected);
      }
    } catch (TimeoutException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
