package io.livesync.gateway.impl;

import io.livesync.core.spi.OnContext;
import io.livesync.gateway.auth.Principal;
import io.livesync.protocol.ClientMessage;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.MessageException;
import io.livesync.protocol.WriteResult;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebSocket connection: decodes client messages, runs subscriptions and writes, answers
 * pings, closes idle or expired connections. Confined to its event loop.
 */
public final class Connection implements PingWheel.Member {
  /** Close codes of PROTOCOL.md 2.5. */
  public static final short CLOSE_GOING_AWAY = 1001;
  public static final short CLOSE_POLICY = 1008;
  public static final short CLOSE_RESTART = 1012;
  public static final short CLOSE_AUTH = 4001;
  public static final short CLOSE_LIMITS = 4008;

  private final WebSocketChannel ws;
  private final Channel channel;
  private final VoidChannelPromise voidPromise;
  private final Counter messagesOut;
  private final Counter messagesIn;
  /** Pre-encoded frames go out as they are (no WebSocket extension such as deflate is on). */
  private final boolean rawFrames;
  private boolean flushScheduled;
  private long unflushedBytes;
  private int unflushedMessages;
  /**
   * This turn's small frames, copied one after the other into one buffer that goes to the
   * channel as one write at the end of the turn (or before any other write of this connection,
   * to keep the order). Null when nothing is pending.
   */
  private ByteBuf pending;
  /**
   * The turn's only frame so far when it is a reference to a change's shared direct copy
   * ({@link OutboundFrame#sharedDirect}): a change that goes out alone is written by reference,
   * not copied into a buffer of its own. A second frame in the turn copies it into {@link
   * #pending}. Never set together with {@code pending}.
   */
  private ByteBuf alone;
  /** The size of the last turn's buffer: the next one starts there, so it rarely grows. */
  private int pendingHint = INITIAL_PENDING_BYTES;
  private final Context context;
  private final GatewayContext gw;
  private final String id = UUID.randomUUID().toString();
  private final Map<String, CollectionSub> subs = new HashMap<>();
  private final List<Promise<Void>> writableWaiters = new ArrayList<>();
  private final RateLimiter rateLimiter;
  private final AtomicLong subscriptionsGauge;
  private final AtomicLong connectionsGauge;
  private final java.util.concurrent.atomic.LongAdder backlogGauge;
  private Principal principal;
  private long lastActivity = System.currentTimeMillis();
  private int pingSlot;
  private long expiryTimer = -1;
  private boolean closed;
  /** Bytes handed to the socket whose write has not completed: the outbound backlog. */
  private long backlogBytes;
  private boolean awaitingDrain;
  private int inflight;
  private boolean draining;
  private Promise<Void> drained;

  /** Output goes straight to the socket's Netty channel, flushed once per event-loop turn. */
  Connection(WebSocketChannel ws, Context context, GatewayContext gw, Principal principal) {
    this.ws = ws;
    this.channel = ws.channel();
    this.voidPromise = new VoidChannelPromise(channel, false);
    this.rawFrames = !hasExtensions(channel);
    this.messagesOut = gw.metrics().counter("livesync_messages_out_total");
    this.messagesIn = gw.metrics().counter("livesync_messages_in_total");
    this.context = context;
    this.gw = gw;
    this.principal = principal;
    this.rateLimiter = new RateLimiter(gw.limits().maxWritesPerSecond());
    this.subscriptionsGauge = gw.metrics().gauge("livesync_subscriptions",
        "Open WebSocket subscriptions");
    this.connectionsGauge = gw.metrics().gauge("livesync_connections",
        "Open WebSocket connections");
    this.backlogGauge = gw.metrics().sumGauge("livesync_outbound_backlog_bytes",
        "Bytes queued on WebSockets and not yet written, all connections");
  }

  void start() {
    connectionsGauge.incrementAndGet();
    gw.connections().add(this);
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> {
      touch();
      sendError(new ErrorInfo(ErrorCode.BAD_REQUEST,
          "binary frames are not supported; send JSON in text frames", null, null));
    });
    ws.pongHandler(b -> touch());
    ws.exceptionHandler(this::onSocketError);
    ws.closeHandler(v -> onClosed());
    pingSlot = gw.pings().slotForNewMember();
    scheduleExpiry();
    send(Codec.welcome(id, principal.user(), System.currentTimeMillis()));
  }

  /**
   * A frame the decoder refused (over the frame limit: 1009; malformed: 1002) closes with the
   * decoder's status; without this, Vert.x closes with a plain 1000.
   */
  private void onSocketError(Throwable err) {
    if (err instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException c
        && c.closeStatus() != null) {
      short code = (short) c.closeStatus().code();
      close(code, code == 1009 ? "frame larger than " + gw.limits().maxFrameBytes() + " bytes"
          : "protocol error");
    }
  }

  private void touch() {
    lastActivity = System.currentTimeMillis();
  }

  @Override
  public int pingSlot() {
    return pingSlot;
  }

  /** Called once per ping interval by this event loop's {@link PingWheel}. */
  @Override
  public void onPingTick(long now) {
    if (now - lastActivity > 2 * gw.pingIntervalMillis()) {
      close(CLOSE_POLICY, "no message or pong for two ping intervals");
      return;
    }
    ws.ping();
  }

  private void scheduleExpiry() {
    if (expiryTimer >= 0) {
      context.owner().cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
    long exp = principal.expiresAtMillis();
    if (exp != Long.MAX_VALUE) {
      long delay = Math.max(1, exp - System.currentTimeMillis());
      expiryTimer = context.owner().setTimer(delay, t -> close(CLOSE_AUTH, "token expired"));
    }
  }

  private void onText(String text) {
    touch();
    messagesIn.increment();
    ClientMessage msg;
    try {
      msg = Codec.decodeClient(text);
    } catch (MessageException e) {
      sendError(e.toErrorInfo());
      return;
    }
    if (msg instanceof ClientMessage.WriteOp w) {
      onWrite(w);
    } else if (msg instanceof ClientMessage.Subscribe s) {
      onSubscribe(s);
    } else if (msg instanceof ClientMessage.Unsubscribe u) {
      onUnsubscribe(u.collection());
    } else if (msg instanceof ClientMessage.Ping) {
      send(Codec.pong(System.currentTimeMillis()));
    } else if (msg instanceof ClientMessage.Auth a) {
      onAuth(a.token());
    }
  }

  private void onWrite(ClientMessage.WriteOp op) {
    var w = op.write();
    if (draining) {
      gw.writes().countRefused(ErrorCode.UNAVAILABLE);
      sendError(new ErrorInfo(ErrorCode.UNAVAILABLE, "this gateway is shutting down; the write "
          + "was not applied: reconnect and retry it with the same opId", w.opId(),
          w.collection()));
      return;
    }
    if (!rateLimiter.tryAcquire(System.currentTimeMillis())) {
      gw.writes().countRefused(ErrorCode.RATE_LIMITED);
      sendError(new ErrorInfo(ErrorCode.RATE_LIMITED, "more than "
          + gw.limits().maxWritesPerSecond() + " writes per second on this connection; "
          + "the write was not applied: slow down and retry", w.opId(), w.collection()));
      if (rateLimiter.abusive()) {
        close(CLOSE_LIMITS, "connection keeps exceeding its write rate");
      }
      return;
    }
    inflight++;
    onLoop(gw.writes().submit(principal, w)).onSuccess(r -> {
      inflight--;
      sendResult(r);
      if (draining && inflight == 0 && drained != null) {
        drained.tryComplete();
      }
    });
  }

  /**
   * Starts draining: new writes are refused with {@code unavailable}; completes when every
   * write already received has been answered.
   */
  public Future<Void> drain() {
    draining = true;
    if (inflight == 0 || closed) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    return drained.future();
  }

  private void sendResult(WriteResult r) {
    if (r.isAck()) {
      send(Codec.ack(r.ack()));
    } else {
      sendError(r.error());
    }
  }

  private void onSubscribe(ClientMessage.Subscribe s) {
    if (!principal.canRead(s.collection())) {
      sendError(new ErrorInfo(ErrorCode.FORBIDDEN, "user " + principal.user()
          + " may not read collection " + s.collection(), null, s.collection()));
      return;
    }
    CollectionSub sub = subs.get(s.collection());
    if (sub == null) {
      if (subs.size() >= gw.limits().maxSubscriptions()) {
        sendError(new ErrorInfo(ErrorCode.BAD_REQUEST, "this connection already has "
            + subs.size() + " subscriptions, the limit; unsubscribe from one first", null,
            s.collection()));
        return;
      }
      sub = new CollectionSub(this, s.collection(), gw.store(), gw.fanOut(),
          gw.limits().maxPageSize());
      subs.put(s.collection(), sub);
      subscriptionsGauge.incrementAndGet();
    }
    sub.subscribe(s.since(), s.epoch());
  }

  private void onUnsubscribe(String collection) {
    CollectionSub sub = subs.remove(collection);
    if (sub != null) {
      sub.close();
      subscriptionsGauge.decrementAndGet();
    }
    send(Codec.unsubscribed(collection));
  }

  /** A subscription that failed for good is forgotten; the client may subscribe again. */
  void dropSubscription(CollectionSub sub) {
    if (subs.remove(sub.collection(), sub)) {
      sub.close();
      subscriptionsGauge.decrementAndGet();
    }
  }

  private void onAuth(String token) {
    onLoop(gw.authenticator().authenticate(token)).onComplete(ar -> {
      if (ar.failed()) {
        close(CLOSE_AUTH, "token missing, invalid or expired");
        return;
      }
      Principal next = ar.result();
      if (!next.user().equals(principal.user())) {
        close(CLOSE_AUTH, "a refreshed token must name the same subject");
        return;
      }
      principal = next;
      scheduleExpiry();
      long exp = next.expiresAtMillis() == Long.MAX_VALUE ? 0 : next.expiresAtMillis() / 1000;
      send(Codec.authed(exp));
    });
  }

  // ------------------------------------------------------------------ output

  /**
   * Queues one text message. The backlog is counted here in bytes and released when the write
   * completes, so the limit is exact and independent of Netty's water marks.
   */
  void send(String text) {
    write(OutboundFrame.text(text));
  }

  /** Queues a live change encoded once for every subscriber of its collection. */
  void sendChange(OutboundFrame encoded) {
    write(encoded);
  }

  /**
   * Frames up to this size (header included) are copied into the connection's buffer of the
   * turn, except the turn's first frame while it is alone and has a shared direct copy (a live
   * change), which is written by reference unless a second frame follows; larger ones are
   * always written by reference. One copy of ~100 bytes costs less than the reference counting
   * and the outbound-buffer entry of a write of its own, but when the turn has only that frame
   * the socket needs one write anyway, and a reference saves allocating a buffer and the copy.
   */
  static final int COALESCE_MAX_BYTES = 8192;

  /** True when a frame may be copied into a socket's buffer of the turn. */
  private static boolean coalesces(OutboundFrame frame) {
    return frame.wireLength() <= COALESCE_MAX_BYTES;
  }

  /**
   * Queues the frame behind every earlier write of this connection and leaves the write and
   * flush to the end of the event-loop turn ({@link Flusher}): a socket that gets many messages
   * in one turn (a commit batch fanned out) costs one channel write and one system call, not one
   * per message. The wire bytes stay separate WebSocket frames. A message over the frame limit
   * is split into continuation frames, as Vert.x does.
   */
  private void write(OutboundFrame frame) {
    if (closed) {
      return;
    }
    int size = frame.size();
    backlogBytes += size;
    gw.backlog(size);
    int max = gw.limits().maxFrameBytes();
    if (size <= max && rawFrames && coalesces(frame)) {
      if (pending == null && alone == null) {
        alone = frame.sharedDirect();
        if (alone == null) {
          pending = channel.alloc().directBuffer(Math.max(pendingHint, frame.wireLength()));
          frame.writeTo(pending);
        }
      } else {
        if (pending == null) {
          // a second frame in this turn: both go into one buffer
          pending = channel.alloc().directBuffer(
              Math.max(pendingHint, alone.readableBytes() + frame.wireLength()));
          pending.writeBytes(alone);
          alone.release();
          alone = null;
        }
        frame.writeTo(pending);
      }
    } else {
      writePending();
      if (size <= max && rawFrames) {
        channel.write(frame.frame(), voidPromise);
      } else if (size <= max) {
        channel.write(new TextWebSocketFrame(true, 0, frame.payload()), voidPromise);
      } else {
        for (int offset = 0; offset < size; offset += max) {
          int length = Math.min(max, size - offset);
          boolean last = offset + length == size;
          ByteBuf part = frame.slice(offset, length);
          channel.write(offset == 0 ? new TextWebSocketFrame(last, 0, part)
              : new ContinuationWebSocketFrame(last, 0, part), voidPromise);
        }
      }
    }
    unflushedBytes += size;
    unflushedMessages++;
    if (!flushScheduled) {
      flushScheduled = true;
      Flusher.current().schedule(this, channel.eventLoop());
    }
  }

  private static final int INITIAL_PENDING_BYTES = 512;
  private static final int MAX_PENDING_HINT = 64 * 1024;

  /** Hands the turn's buffered frames to the channel (not flushed). */
  private void writePending() {
    ByteBuf buf = takePending();
    if (buf != null) {
      channel.write(buf, voidPromise);
    }
  }

  private ByteBuf takePending() {
    ByteBuf buf = pending;
    if (buf != null) {
      pending = null;
      pendingHint = Math.max(INITIAL_PENDING_BYTES,
          Math.min(MAX_PENDING_HINT, buf.readableBytes()));
      return buf;
    }
    buf = alone;
    alone = null;
    return buf;
  }

  /** True when a WebSocket extension (permessage-deflate) must see every frame. */
  private static boolean hasExtensions(Channel channel) {
    for (Map.Entry<String, io.netty.channel.ChannelHandler> e : channel.pipeline()) {
      if (e.getValue() instanceof WebSocketExtensionEncoder
          || e.getValue() instanceof WebSocketExtensionDecoder) {
        return true;
      }
    }
    return false;
  }

  /**
   * Writes and flushes this turn's output. Its bytes leave the backlog once they reach the
   * socket: at once when the flush wrote everything (the usual case), else when an empty write
   * queued behind them completes.
   */
  void flush() {
    flushScheduled = false;
    if (unflushedMessages == 0) {
      return;
    }
    long bytes = unflushedBytes;
    messagesOut.increment(unflushedMessages);
    unflushedBytes = 0;
    unflushedMessages = 0;
    ByteBuf buf = takePending();
    if (buf != null) {
      channel.writeAndFlush(buf, voidPromise);
    } else {
      channel.flush();
    }
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (out == null || out.isEmpty()) {
      // everything flushed so far is on the socket (or the channel is closed: nothing will be)
      released(bytes);
      return;
    }
    backlogGauge.add(bytes);
    // an empty write completes after every write queued before it: the batch is out
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      backlogGauge.add(-bytes);
      released(bytes);
    });
  }

  private void released(long bytes) {
    backlogBytes -= bytes;
    gw.backlog(-bytes);
    if (awaitingDrain && !backlogAbove(gw.limits().maxBacklogBytes() / 2, sharedFloor() / 2)) {
      awaitingDrain = false;
      onDrain();
    }
  }

  void sendError(ErrorInfo error) {
    send(Codec.error(error));
  }

  /**
   * The slow-consumer rule's test: this connection holds more than {@code
   * limits.maxBacklogBytes}, or the instance's connections together hold more than their share
   * of {@code websocket.maxTotalBacklogBytes} and this one more than a little of it ({@link
   * #SHARED_BUDGET_FLOOR}, or half its own limit when that is smaller). A connection that keeps
   * up holds less than that between turns, so only the ones falling behind are caught up later.
   * The rule lifts once the connection's backlog is below half of what triggered it.
   */
  boolean backlogFull() {
    return backlogAbove(gw.limits().maxBacklogBytes(), sharedFloor());
  }

  private boolean backlogAbove(long own, long shared) {
    return backlogBytes > own || (backlogBytes > shared && gw.backlogOverBudget());
  }

  private long sharedFloor() {
    return Math.min(SHARED_BUDGET_FLOOR, gw.limits().maxBacklogBytes() / 2);
  }

  /** Below this many queued bytes a connection is not lagged for the instance's total. */
  static final long SHARED_BUDGET_FLOOR = 64 * 1024;

  /** Completes when the socket can take more output (at once when it can now). */
  Future<Void> whenWritable() {
    if (closed || !backlogFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    writableWaiters.add(p);
    awaitingDrain = true;
    return p.future();
  }

  /** A subscription stopped queueing live changes; it resumes when the backlog halves. */
  void onSlowConsumer(CollectionSub sub) {
    gw.metrics().counter("livesync_slow_consumer_total").increment();
    awaitingDrain = true;
  }

  private void onDrain() {
    List<Promise<Void>> waiters = new ArrayList<>(writableWaiters);
    writableWaiters.clear();
    waiters.forEach(Promise::tryComplete);
    for (CollectionSub sub : new ArrayList<>(subs.values())) {
      sub.onDrained();
    }
  }

  /** Runs the future's completion on this connection's event loop. */
  <T> Future<T> onLoop(Future<T> future) {
    return OnContext.hop(context, future);
  }

  // ------------------------------------------------------------------ closing

  public Future<Void> close(short code, String reason) {
    if (closed) {
      return Future.succeededFuture();
    }
    if (!channel.eventLoop().inEventLoop()) {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> close(code, reason).onComplete(done));
      return done.future();
    }
    // the messages of this turn go out before the close frame
    writePending();
    return ws.close(code, reason).recover(err -> Future.succeededFuture());
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    ByteBuf unsent = takePending();
    if (unsent != null) {
      unsent.release();
    }
    connectionsGauge.decrementAndGet();
    gw.connections().remove(this);
    if (expiryTimer >= 0) {
      context.owner().cancelTimer(expiryTimer);
    }
    for (CollectionSub sub : subs.values()) {
      sub.close();
      subscriptionsGauge.decrementAndGet();
    }
    subs.clear();
    writableWaiters.forEach(Promise::tryComplete);
    writableWaiters.clear();
    if (drained != null) {
      drained.tryComplete();
    }
  }

  public Context context() {
    return context;
  }

  public String id() {
    return id;
  }

}
