package io.livesync.gateway.impl;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds permessage-deflate inflation by the frame limit (PROTOCOL.md 2.6).
 *
 * <p>Vert.x 5 builds Netty's {@code PerMessageDeflateServerExtensionHandshaker} without a
 * {@code maxAllocation}, so a 61 KB compressed frame inflates to 60 MiB before any size check.
 * For each new HTTP/1 connection this replaces Vert.x's extension handler with one whose inflater
 * stops at the frame limit, and adds a handler that answers the overflow with close 1009 (the
 * protocol's "frame too large"). Vert.x keeps negotiating compression and accepting RSV1 frames
 * only because its own option is on. If the pipeline is not what this expects (a Vert.x
 * upgrade), the connection is closed rather than served with an unbounded inflater.
 */
public final class InflateLimit {
  private static final Logger LOG = LoggerFactory.getLogger(InflateLimit.class);
  /** The name Vert.x gives its extension handler (HttpServerConnectionHandler). */
  static final String VERTX_EXTENSION_HANDLER = "webSocketExtensionHandler";
  static final String VERTX_HANDLER = "handler";
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private InflateLimit() {
  }

  /** A connection handler for an {@code HttpServer} whose options enable compression. */
  public static Handler<HttpConnection> installer(HttpServerOptions options, int maxInflatedBytes) {
    return conn -> {
      if (conn.protocolVersion() != io.vertx.core.http.HttpVersion.HTTP_1_1
          && conn.protocolVersion() != io.vertx.core.http.HttpVersion.HTTP_1_0) {
        return;
      }
      ChannelPipeline pipeline = conn instanceof ConnectionBase base
          ? base.channelHandlerContext().pipeline() : null;
      if (pipeline == null || pipeline.get(VERTX_EXTENSION_HANDLER) == null
          || pipeline.get(VERTX_HANDLER) == null) {
        if (WARNED.compareAndSet(false, true)) {
          LOG.error("WebSocket compression is on but its inflation bound cannot be installed in "
              + "this Vert.x version; refusing connections. Set SYNC_WS_COMPRESSION=false");
        }
        conn.close();
        return;
      }
      PerMessageDeflateServerExtensionHandshaker deflate =
          new PerMessageDeflateServerExtensionHandshaker(options.getWebSocketCompressionLevel(),
              ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
              PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE,
              options.getWebSocketAllowServerNoContext(),
              options.getWebSocketPreferredClientNoContext(), maxInflatedBytes);
      pipeline.replace(VERTX_EXTENSION_HANDLER, VERTX_EXTENSION_HANDLER,
          new WebSocketServerExtensionHandler(deflate));
      pipeline.addBefore(VERTX_HANDLER, "livesyncInflateGuard", new Guard());
    };
  }

  /** Turns the inflater's overflow into close 1009 instead of an abrupt reset. */
  @ChannelHandler.Sharable
  static final class Guard extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof DecompressionException) {
          ctx.writeAndFlush(new CloseWebSocketFrame(1009, "message too large after inflation"))
              .addListener(ChannelFutureListener.CLOSE);
          return;
        }
      }
      ctx.fireExceptionCaught(cause);
    }
  }
}
