package io.livesync.gateway.impl;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a WebSocket's TCP connection so that the peer reads everything sent before the close,
 * its close frame above all: a lingering close, as HTTP servers do.
 *
 * <p>Why: Linux answers a {@code close()} with unread bytes in the socket's receive buffer with
 * a TCP reset, not a FIN, and a reset makes the peer's further writes fail and can reach it
 * before it has read the close frame. A client in the middle of sending a frame over the limit,
 * or still writing when it is closed 4001 or 1012, then sees 1006 (no close frame) instead of
 * the code that says why: {@code LimitsTest.frameOverOneMibIsClosed1009} once got 1006 in a
 * run of {@code .ci/run} on a fresh clone.
 *
 * <p>So the first {@code close()} that reaches this handler (the frame decoder's after it sent
 * 1009 on a protocol violation, the gateway's after its closing handshake or timeout) shuts the
 * output down instead, once what was written has reached the socket: then a FIN follows it.
 * Input is read and dropped until the peer closes its side, which closes the channel, or until
 * {@code lingerMillis} after the {@code close()}, when the channel is closed as it would have
 * been at once. Further {@code close()} calls wait for that.
 * Sits just in front of the WebSocket frame decoder, so it sees every close of the socket.
 * Confined to the channel's event loop.
 */
final class LingeringClose extends ChannelDuplexHandler {
  private final long lingerMillis;
  private boolean lingering;
  private ScheduledFuture<?> timer;

  LingeringClose(long lingerMillis) {
    this.lingerMillis = lingerMillis;
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    Channel channel = ctx.channel();
    if (lingering) {
      completeOnClose(channel, promise);
      return;
    }
    if (!channel.isActive() || !(channel instanceof DuplexChannel duplex)
        || duplex.isOutputShutdown() || duplex.isInputShutdown()) {
      ctx.close(promise);
      return;
    }
    lingering = true;
    completeOnClose(channel, promise);
    timer = ctx.executor().schedule(() -> ctx.close(), lingerMillis, TimeUnit.MILLISECONDS);
    // Shutting the output down drops what Netty still queues, so it waits until everything
    // written before reached the socket: an empty write completes after all of them.
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      if (!f.isSuccess()) {
        ctx.close();
      } else if (channel.isActive() && !duplex.isOutputShutdown()) {
        duplex.shutdownOutput();
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (lingering) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    super.channelInactive(ctx);
  }

  private static void completeOnClose(Channel channel, ChannelPromise promise) {
    if (promise.isVoid()) {
      return;
    }
    channel.closeFuture().addListener(f -> promise.trySuccess());
  }
}
