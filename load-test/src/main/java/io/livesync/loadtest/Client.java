package io.livesync.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket connection of the generator: at most one subscription and at most one {@link
 * Writer}. Confined to its context's event loop after {@link #connect}.
 */
final class Client {
  final Run run;
  final int index;
  private final Context ctx;
  private Thread loopThread;
  private WebSocket ws;
  private long connectStart;
  private Promise<Void> welcomed;
  private Buffer partial;
  private boolean closing;

  // subscription
  int collection = -1;
  private long lastSeq;
  private String epoch;
  private boolean synced;
  private Promise<Long> syncedPromise;
  private long subscribeStart;
  long itemsThisSubscription;
  Writer writer;

  Client(Run run, int index, Context ctx) {
    this.run = run;
    this.index = index;
    this.ctx = ctx;
  }

  Context context() {
    return ctx;
  }

  boolean onLoopThread() {
    return Thread.currentThread() == loopThread;
  }

  long lastSeq() {
    return lastSeq;
  }

  String epoch() {
    return epoch;
  }

  boolean writeQueueFull() {
    return ws == null || ws.writeQueueFull();
  }

  boolean isOpen() {
    return ws != null && !ws.isClosed();
  }

  /** Connects and waits for {@code welcome}; the connect time covers TCP, upgrade and welcome. */
  Future<Void> connect() {
    Promise<Void> done = Promise.promise();
    ctx.runOnContext(v -> {
      loopThread = Thread.currentThread();
      welcomed = Promise.promise();
      closing = false;
      connectStart = System.nanoTime();
      WebSocketConnectOptions o = new WebSocketConnectOptions()
          .setHost(run.opts.url().getHost()).setPort(run.opts.port())
          .setURI(run.opts.url().getRawPath()).setSsl(run.opts.url().getScheme().equals("wss"))
          .setConnectTimeout(30_000).setTimeout(30_000);
      if (run.jwt != null) {
        o.addHeader("Authorization", "Bearer " + run.token(index));
      }
      run.wsClient.connect(o).onComplete(ar -> {
        if (ar.failed()) {
          welcomed.tryFail(ar.cause());
          return;
        }
        WebSocket socket = ar.result();
        ws = socket;
        ws.frameHandler(this::onFrame);
        ws.closeHandler(x -> {
          if (socket != ws) {
            return; // an earlier socket of a reconnected client
          }
          if (!closing) {
            run.stats.closedByServer.increment();
          }
          welcomed.tryFail("closed before welcome");
          if (syncedPromise != null) {
            syncedPromise.tryFail("closed before synced");
          }
        });
        ws.exceptionHandler(err -> { });
      });
      welcomed.future().onComplete(ar -> {
        if (ar.succeeded()) {
          run.stats.connected.increment();
          Stats.record(run.stats.connect, (System.nanoTime() - connectStart) / 1000);
          done.complete();
        } else {
          run.stats.connectFailures.increment();
          done.fail(ar.cause());
        }
      });
    });
    return done.future();
  }

  /** Subscribes; completes with the synced seq once the catch-up is done. */
  Future<Long> subscribe(int collectionIndex, long since, String withEpoch) {
    Promise<Long> p = Promise.promise();
    ctx.runOnContext(v -> {
      collection = collectionIndex;
      synced = false;
      syncedPromise = p;
      itemsThisSubscription = 0;
      subscribeStart = System.nanoTime();
      StringBuilder sb = new StringBuilder(96).append("{\"type\":\"subscribe\",\"collection\":\"")
          .append(run.collectionName(collectionIndex)).append("\",\"since\":").append(since);
      if (withEpoch != null) {
        sb.append(",\"epoch\":\"").append(withEpoch).append('"');
      }
      send(sb.append('}').toString());
    });
    return p.future();
  }

  void send(String text) {
    if (ws == null || ws.isClosed()) {
      return;
    }
    run.stats.bytesOut.add(text.length());
    ws.writeTextMessage(text);
  }

  Future<Void> close() {
    Promise<Void> p = Promise.promise();
    ctx.runOnContext(v -> {
      closing = true;
      if (ws == null || ws.isClosed()) {
        p.complete();
        return;
      }
      ws.close((short) 1000, "load test done").onComplete(ar -> p.complete());
    });
    return p.future();
  }

  private void onFrame(WebSocketFrame f) {
    if (!(f.isText() || f.isContinuation())) {
      return;
    }
    Buffer data = f.binaryData();
    if (f.isFinal() && partial == null) {
      handle(data.getBytes());
      return;
    }
    if (partial == null) {
      partial = Buffer.buffer(data.length() * 2);
    }
    partial.appendBuffer(data);
    if (f.isFinal()) {
      byte[] b = partial.getBytes();
      partial = null;
      handle(b);
    }
  }

  private void handle(byte[] b) {
    int len = b.length;
    Stats s = run.stats;
    s.bytesIn.add(len);
    s.framesIn.increment();
    switch (Frames.type(b, len)) {
      case CHANGE -> onChange(b, len);
      case ACK -> {
        if (writer != null) {
          writer.onAck(b, len);
        }
      }
      case CHANGES -> {
        int items = Frames.count(b, len, Frames.SEQ);
        s.catchupItems.add(items);
        itemsThisSubscription += items;
      }
      case SYNCED -> onSynced(b);
      case ERROR -> onError(b);
      case WELCOME -> welcomed.tryComplete();
      case RESET -> lastSeq = 0;
      default -> { }
    }
  }

  private void onChange(byte[] b, int len) {
    long seq = Frames.longAfter(b, len, Frames.SEQ, -1);
    if (seq <= lastSeq) {
      run.stats.duplicates.increment();
      return;
    }
    if (seq != lastSeq + 1) {
      run.stats.gaps.increment();
    }
    lastSeq = seq;
    run.stats.deliveries.increment();
    int data = Frames.indexOf(b, len, Frames.DATA, 0);
    long t = Frames.longAfter(b, len, Frames.T, data, -1);
    if (t >= 0 && collection >= 0) {
      Stats.record(run.stats.fanout, run.nowMicros() - t);
      int w = (int) Frames.longAfter(b, len, Frames.W, data, -1);
      if (w >= 0) {
        run.tracker.event(collection, seq, w, t);
      }
    }
  }

  private void onSynced(byte[] b) {
    JsonNode n = Json.parseObject(new String(b, StandardCharsets.UTF_8));
    lastSeq = n.path("seq").asLong();
    epoch = n.path("epoch").asText(null);
    if (!synced) {
      synced = true;
      Stats.record(run.stats.catchup, (System.nanoTime() - subscribeStart) / 1000);
      if (syncedPromise != null) {
        syncedPromise.tryComplete(lastSeq);
      }
    } else {
      run.stats.resyncs.increment();
    }
  }

  private void onError(byte[] b) {
    JsonNode n = Json.parseObject(new String(b, StandardCharsets.UTF_8));
    String code = n.path("code").asText("unknown");
    run.stats.error(code);
    String opId = n.path("opId").asText(null);
    if (opId != null && writer != null) {
      writer.onError(opId);
    } else if (syncedPromise != null && !synced) {
      syncedPromise.tryFail(code + ": " + n.path("message").asText());
    }
  }
}
