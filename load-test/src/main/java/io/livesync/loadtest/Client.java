package io.livesync.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
  /** Text frames come from the {@link FrameTap}, not through Vert.x. */
  private volatile boolean tapped;

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

  boolean tapped() {
    return tapped;
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
        tapped = FrameTap.install(socket, this);
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
    onData(((io.vertx.core.internal.buffer.BufferInternal) f.binaryData()).getByteBuf(),
        f.isFinal());
  }

  /**
   * One text or continuation frame's payload, from Vert.x or from the {@link FrameTap}; on the
   * loop thread. A whole message is copied into this thread's scratch array and read from there.
   */
  void onData(ByteBuf data, boolean last) {
    if (last && partial == null) {
      int len = data.readableBytes();
      byte[] b = scratch(len);
      data.getBytes(data.readerIndex(), b, 0, len);
      handle(b, len);
      return;
    }
    if (partial == null) {
      partial = Buffer.buffer(data.readableBytes() * 2);
    }
    partial.appendBytes(ByteBufUtil.getBytes(data));
    if (last) {
      byte[] b = partial.getBytes();
      partial = null;
      handle(b, b.length);
    }
  }

  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(
      () -> new byte[][] {new byte[4096]});

  private static byte[] scratch(int len) {
    byte[][] holder = SCRATCH.get();
    if (holder[0].length < len) {
      holder[0] = new byte[Math.max(len, holder[0].length * 2)];
    }
    return holder[0];
  }

  private void handle(byte[] b, int len) {
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
      case SYNCED -> onSynced(b, len);
      case ERROR -> onError(b, len);
      case WELCOME -> welcomed.tryComplete();
      case RESET -> lastSeq = 0;
      default -> { }
    }
  }

  private void onChange(byte[] b, int len) {
    // about one pass: data's stamp and writer (its first fields), then the seq after them
    int data = Frames.indexOf(b, len, Frames.DATA, 0);
    int t = Frames.fieldAt(b, len, Frames.T, data, data + Frames.DATA.length);
    int tEnd = t < 0 ? -1 : Frames.numberEnd(b, len, t + Frames.T.length);
    int w = Frames.fieldAt(b, len, Frames.W, data, tEnd + 1);
    int wEnd = w < 0 ? -1 : Frames.numberEnd(b, len, w + Frames.W.length);
    long seq = Frames.longAfter(b, len, Frames.SEQ, Math.max(0, Math.max(tEnd, wEnd)), -1);
    if (seq < 0 && data >= 0) {
      seq = Frames.longAfter(b, len, Frames.SEQ, -1); // not where the server writes it
    }
    if (seq <= lastSeq) {
      run.stats.duplicates.increment();
      return;
    }
    if (seq != lastSeq + 1) {
      run.stats.gaps.increment();
    }
    lastSeq = seq;
    run.stats.deliveries.increment();
    long stamp = t < 0 ? -1 : Frames.parseLong(b, len, t + Frames.T.length, -1);
    if (stamp >= 0 && collection >= 0) {
      Stats.record(run.stats.fanout, run.nowMicros() - stamp);
      int writer = w < 0 ? -1 : (int) Frames.parseLong(b, len, w + Frames.W.length, -1);
      if (writer >= 0) {
        run.tracker.event(collection, seq, writer, stamp);
      }
    }
  }

  private void onSynced(byte[] b, int len) {
    JsonNode n = Json.parseObject(new String(b, 0, len, StandardCharsets.UTF_8));
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

  private void onError(byte[] b, int len) {
    JsonNode n = Json.parseObject(new String(b, 0, len, StandardCharsets.UTF_8));
    String code = n.path("code").asText("unknown");
    run.stats.error(code);
    String opId = n.path("opId").asText(null);
    if (opId != null && writer != null) {
      writer.onError(opId, code);
    } else if (syncedPromise != null && !synced) {
      syncedPromise.tryFail(code + ": " + n.path("message").asText());
    }
  }
}
