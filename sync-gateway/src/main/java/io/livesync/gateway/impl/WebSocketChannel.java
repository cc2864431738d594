package io.livesync.gateway.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.impl.VertxHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server WebSocket read and written on its Netty channel. Vert.x does the upgrade
 * ({@code toWebSocket()}); then this handler takes the place of Vert.x's connection handler at
 * the end of the pipeline. Netty's frame decoder and encoder, and permessage-deflate when it is
 * on, stay in front of it.
 *
 * <p>Why: Vert.x 5.1.6 gives every WebSocket connection an outbound MPSC queue whose first
 * chunk alone is 4 KiB, and its handler keeps the upgraded HTTP request, response and
 * connection reachable for the socket's whole life. With this handler in its place all of that
 * is garbage once the upgrade is done: 3 KiB of heap per idle connection instead of 11.
 *
 * <p>What it does, as Vert.x's server WebSocket did: text and binary messages are put together
 * from continuation frames up to {@code maxMessageBytes} (a longer one is dropped and reported
 * to the exception handler, the socket stays open); a ping is answered with a pong carrying its
 * payload; a close frame from the peer is echoed, then the TCP connection is closed; {@link
 * #close} sends a close frame and closes the TCP connection when the peer's close frame comes
 * back or after {@code closingTimeoutMillis}; a channel error (a frame over the limit, for which
 * Netty's decoder has already sent close 1009) is reported, then the channel is closed. An
 * exception thrown by a handler is logged and does not close the socket. Vert.x's idle-timeout
 * handler is removed too: the gateway's own pings close silent sockets ({@link PingWheel}).
 * Vert.x no longer sees the socket after the upgrade: its WebSocket metrics (not enabled here)
 * and its graceful shutdown of open sockets do not apply; {@code GatewayVerticle.stop} closes
 * every socket itself, with 1012, before the server closes.
 *
 * <p>Confined to the channel's event loop.
 */
final class WebSocketChannel extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketChannel.class);
  private static final int NONE = 0;
  private static final int TEXT = 1;
  private static final int BINARY = 2;
  /** How long a closed socket's input is read and dropped at most ({@link LingeringClose}). */
  static final long LINGER_MILLIS = 2_000;

  private final Channel channel;
  private final int maxMessageBytes;
  private final long closingTimeoutMillis;
  private Handler<String> textHandler;
  private Handler<Buffer> binaryHandler;
  private Handler<Buffer> pongHandler;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> closeHandler;
  /** The fragments so far of a message that came in several frames; null between messages. */
  private ByteBuf fragments;
  private int fragmentsType = NONE;
  private boolean closeSent;
  private boolean closed;
  private ScheduledFuture<?> closingTimer;

  private WebSocketChannel(Channel channel, int maxMessageBytes, long closingTimeoutMillis) {
    this.channel = channel;
    this.maxMessageBytes = maxMessageBytes;
    this.closingTimeoutMillis = closingTimeoutMillis;
  }

  /**
   * Puts a handler in place of Vert.x's on a channel that Vert.x has just upgraded. Call on the
   * channel's event loop in the same task as the upgrade completed, so that no frame can have
   * reached Vert.x's handler first.
   *
   * @throws IllegalStateException when the pipeline has no Vert.x handler (another Vert.x)
   */
  static WebSocketChannel takeOver(Channel channel, int maxMessageBytes,
      long closingTimeoutMillis) {
    ChannelPipeline pipeline = channel.pipeline();
    ChannelHandler vertx = pipeline.get(VertxHandler.class);
    if (vertx == null) {
      throw new IllegalStateException("no Vert.x handler in the upgraded channel's pipeline "
          + pipeline.names() + "; this Vert.x version is not supported");
    }
    ChannelHandlerContext decoder = pipeline.context(WebSocketFrameDecoder.class);
    if (decoder == null) {
      throw new IllegalStateException("no WebSocket frame decoder in the upgraded channel's"
          + " pipeline " + pipeline.names());
    }
    WebSocketChannel ws = new WebSocketChannel(channel, maxMessageBytes, closingTimeoutMillis);
    pipeline.replace(vertx, "livesyncWebSocket", ws);
    pipeline.addBefore(decoder.name(), "livesyncLingeringClose",
        new LingeringClose(LINGER_MILLIS));
    IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
    if (idle != null) {
      pipeline.remove(idle);
    }
    return ws;
  }

  Channel channel() {
    return channel;
  }

  void textMessageHandler(Handler<String> handler) {
    this.textHandler = handler;
  }

  void binaryMessageHandler(Handler<Buffer> handler) {
    this.binaryHandler = handler;
  }

  void pongHandler(Handler<Buffer> handler) {
    this.pongHandler = handler;
  }

  void exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
  }

  /** Called once when the channel closes, however; soon after when it is already closed. */
  void closeHandler(Handler<Void> handler) {
    this.closeHandler = handler;
    if (closed || !channel.isActive()) {
      channel.eventLoop().execute(this::onClosed);
    }
  }

  /** Sends an empty ping; the pong reaches the pong handler. */
  void ping() {
    channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
  }

  /**
   * Starts the closing handshake; completes when the TCP connection is closed (the peer's close
   * frame came back, or the closing timeout passed). A second call only waits for that.
   */
  Future<Void> close(short code, String reason) {
    Future<Void> tcpClosed = completion(channel.closeFuture());
    if (closeSent || closed || !channel.isActive()) {
      return tcpClosed;
    }
    closeSent = true;
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
      if (!f.isSuccess()) {
        channel.close();
      } else if (!closed) {
        closingTimer = channel.eventLoop().schedule(() -> {
          channel.close();
        }, closingTimeoutMillis, TimeUnit.MILLISECONDS);
      }
    });
    return tcpClosed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (frame instanceof TextWebSocketFrame) {
        onData(frame, TEXT);
      } else if (frame instanceof BinaryWebSocketFrame) {
        onData(frame, BINARY);
      } else if (frame instanceof ContinuationWebSocketFrame) {
        if (fragmentsType != NONE) {
          onData(frame, fragmentsType);
        }
      } else if (frame instanceof PingWebSocketFrame) {
        channel.writeAndFlush(new PongWebSocketFrame(frame.content().retainedDuplicate()));
      } else if (frame instanceof PongWebSocketFrame) {
        dispatch(pongHandler, Buffer.buffer(ByteBufUtil.getBytes(frame.content())));
      } else if (frame instanceof CloseWebSocketFrame c) {
        onCloseFrame(c);
      }
    } finally {
      frame.release();
    }
  }

  private void onData(WebSocketFrame frame, int type) {
    ByteBuf content = frame.content();
    if (fragments == null && frame.isFinalFragment()) {
      if (content.readableBytes() > maxMessageBytes) {
        tooLarge(type, content.readableBytes(), 0);
      } else {
        deliver(type, content);
      }
      return;
    }
    if (fragments == null) {
      fragments = channel.alloc().heapBuffer(content.readableBytes());
      fragmentsType = type;
    }
    if (fragments.readableBytes() + content.readableBytes() > maxMessageBytes) {
      int had = fragments.readableBytes();
      dropFragments();
      tooLarge(type, content.readableBytes(), had);
      return;
    }
    fragments.writeBytes(content);
    if (frame.isFinalFragment()) {
      try {
        deliver(type, fragments);
      } finally {
        dropFragments();
      }
    }
  }

  private void deliver(int type, ByteBuf message) {
    if (type == TEXT) {
      dispatch(textHandler, message.toString(StandardCharsets.UTF_8));
    } else {
      dispatch(binaryHandler, Buffer.buffer(ByteBufUtil.getBytes(message)));
    }
  }

  private void tooLarge(int type, int frameBytes, int bufferedBytes) {
    dispatch(exceptionHandler, new IllegalStateException("Cannot process "
        + (type == TEXT ? "text" : "binary") + " frame of size " + frameBytes + ", it would cause"
        + " message buffer (size " + bufferedBytes + ") to overflow max message size of "
        + maxMessageBytes));
  }

  private void dropFragments() {
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
    fragmentsType = NONE;
  }

  private void onCloseFrame(CloseWebSocketFrame frame) {
    if (closeSent) {
      channel.close();
      return;
    }
    closeSent = true;
    CloseWebSocketFrame echo = frame.statusCode() < 0 ? new CloseWebSocketFrame()
        : new CloseWebSocketFrame(frame.statusCode(), frame.reasonText());
    channel.writeAndFlush(echo).addListener(f -> channel.close());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    dispatch(exceptionHandler, cause);
    channel.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    onClosed();
  }

  private void onClosed() {
    if (closed && closeHandler == null) {
      return;
    }
    closed = true;
    if (closingTimer != null) {
      closingTimer.cancel(false);
      closingTimer = null;
    }
    dropFragments();
    Handler<Void> handler = closeHandler;
    closeHandler = null;
    dispatch(handler, null);
  }

  /** Runs a handler as Vert.x would: what it throws is logged, the socket carries on. */
  private static <T> void dispatch(Handler<T> handler, T value) {
    if (handler == null) {
      return;
    }
    try {
      handler.handle(value);
    } catch (RuntimeException e) {
      LOG.error("unhandled exception in a WebSocket handler", e);
    }
  }

  private static Future<Void> completion(io.netty.util.concurrent.Future<?> nettyFuture) {
    Promise<Void> promise = Promise.promise();
    nettyFuture.addListener(f -> {
      if (f.isSuccess()) {
        promise.tryComplete();
      } else {
        promise.tryFail(f.cause());
      }
    });
    return promise.future();
  }
}
