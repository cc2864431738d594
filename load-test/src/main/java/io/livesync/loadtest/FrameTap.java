package io.livesync.loadtest;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.vertx.core.http.WebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.Map;

/**
 * Hands a connection's text and continuation frames to its {@link Client} straight from Netty's
 * frame decoder, on the channel's event loop, instead of through Vert.x's WebSocket (a frame
 * object, a copy of the payload into a Vert.x buffer and a pass through its inbound queue per
 * message): at a million deliveries per second those cost the generator more than reading the
 * message itself. Control frames (ping, pong, close) still go to Vert.x, which answers pings and
 * runs the close handshake. Frames are handled in arrival order either way: the tap sits right
 * after the decoder, and a frame that reaches it off the client's loop thread (never expected)
 * is passed on to Vert.x instead.
 */
final class FrameTap extends ChannelInboundHandlerAdapter {
  private final Client client;

  private FrameTap(Client client) {
    this.client = client;
  }

  /**
   * Installs the tap behind the socket's frame decoder; false when there is none (Vert.x then
   * keeps delivering the frames).
   */
  static boolean install(WebSocket ws, Client client) {
    if (!(ws instanceof WebSocketInternal internal)) {
      return false;
    }
    ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
    for (Map.Entry<String, ChannelHandler> e : pipeline) {
      if (e.getValue() instanceof WebSocketFrameDecoder) {
        pipeline.addAfter(e.getKey(), "livesync-frame-tap", new FrameTap(client));
        return true;
      }
    }
    return false;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if ((msg instanceof TextWebSocketFrame || msg instanceof ContinuationWebSocketFrame)
        && client.onLoopThread()) {
      WebSocketFrame f = (WebSocketFrame) msg;
      try {
        client.onData(f.content(), f.isFinalFragment());
      } finally {
        f.release();
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
