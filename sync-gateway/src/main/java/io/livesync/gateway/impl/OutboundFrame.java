package io.livesync.gateway.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * One server message encoded once: its UTF-8 text and, in the same array, the complete
 * WebSocket frame around it. Server frames are not masked, so the frame bytes are the same for
 * every socket: a live change is encoded once per collection and nothing is re-encoded per
 * socket. A small frame is copied into each socket's buffer of the event-loop turn ({@link
 * #writeTo}); a large one, or a live change that is its socket's only frame of the turn, is
 * written as a view of the same bytes ({@link #frame}, {@link #sharedDirect}). The bytes
 * live on the heap and are never released explicitly (the views ignore release), so a frame may
 * be shared and kept freely.
 */
final class OutboundFrame {
  private static final int FIN_TEXT = 0x81;

  private final byte[] bytes;
  private final ByteBuf wire;
  private final int headerLength;
  private final int size;
  private ByteBuf direct;

  private OutboundFrame(byte[] utf8) {
    this.size = utf8.length;
    this.headerLength = size < 126 ? 2 : size < 65536 ? 4 : 10;
    byte[] frame = new byte[headerLength + size];
    frame[0] = (byte) FIN_TEXT;
    if (size < 126) {
      frame[1] = (byte) size;
    } else if (size < 65536) {
      frame[1] = 126;
      frame[2] = (byte) (size >>> 8);
      frame[3] = (byte) size;
    } else {
      frame[1] = 127;
      for (int i = 0; i < 8; i++) {
        frame[2 + i] = (byte) ((long) size >>> (56 - 8 * i));
      }
    }
    System.arraycopy(utf8, 0, frame, headerLength, size);
    this.bytes = frame;
    this.wire = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(frame));
  }

  static OutboundFrame text(String text) {
    return new OutboundFrame(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The message's size in bytes, without the frame header (what the backlog counts). */
  int size() {
    return size;
  }

  /** The whole frame's size in bytes, header included. */
  int wireLength() {
    return bytes.length;
  }

  /** Appends the whole encoded frame (one final text frame) to {@code out}. */
  void writeTo(ByteBuf out) {
    out.writeBytes(bytes);
  }

  /**
   * The whole encoded frame (one final text frame) for one socket's write: a reference to the
   * direct copy while {@link #shareDirect} is in effect, else a view of the heap bytes.
   */
  ByteBuf frame() {
    return direct != null ? direct.retainedDuplicate() : wire.duplicate();
  }

  /**
   * A reference to the direct copy while {@link #shareDirect} is in effect (release it, or
   * write it, which releases it), else null.
   */
  ByteBuf sharedDirect() {
    return direct != null ? direct.retainedDuplicate() : null;
  }

  /**
   * Makes one direct (off-heap) copy for the writes that follow, so that a fan-out to many
   * sockets does not copy the heap bytes once per socket on its way to the socket. Each write
   * holds a reference; {@link #endShare} drops this one. Event-loop confined.
   */
  void shareDirect(ByteBufAllocator alloc) {
    if (direct == null) {
      direct = alloc.directBuffer(wire.readableBytes()).writeBytes(wire, wire.readerIndex(),
          wire.readableBytes());
    }
  }

  /** Ends {@link #shareDirect}: later writes (a replay from a catch-up buffer) use the heap. */
  void endShare() {
    if (direct != null) {
      direct.release();
      direct = null;
    }
  }

  /** A view of the message text only. */
  ByteBuf payload() {
    return wire.slice(headerLength, size);
  }

  /** A view of [offset, offset + length) of the text, for one fragment of a large message. */
  ByteBuf slice(int offset, int length) {
    return wire.slice(headerLength + offset, length);
  }
}
