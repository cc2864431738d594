package io.livesync.server.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A bare WebSocket client on a plain socket, for what a well-behaved client never does: never
 * answering pings, sending frames over the limit. Frames it sends are masked as RFC 6455 asks.
 */
public final class RawWs implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  public RawWs(int port) throws IOException {
    this(port, 0);
  }

  /** @param receiveBuffer a fixed TCP receive buffer in bytes (0: the system's default) */
  public RawWs(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(20_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
    out.write(("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + head);
    }
  }

  /** Sends one final text frame, masked with a zero key. */
  public void sendText(String text) throws IOException {
    out.write(frame(true, 0x1, text.getBytes(StandardCharsets.UTF_8)));
    out.flush();
  }

  /** Sends one frame of any kind (opcode 0x0 continuation, 0x1 text, 0x9 ping, 0x8 close). */
  public void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
    out.write(frame(fin, opcode, payload));
    out.flush();
  }

  /**
   * Sends only the header of a final frame whose payload is {@code payloadLength} bytes (masked
   * with a zero key, so the payload goes as it is): {@link #sendBytes} sends the payload.
   */
  public void sendFrameHeader(int opcode, long payloadLength) throws IOException {
    out.write(header(true, opcode, payloadLength));
    out.flush();
  }

  /** Sends bytes as they are, such as the payload after {@link #sendFrameHeader}. */
  public void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** One client frame, masked with a zero key. */
  private static byte[] frame(boolean fin, int opcode, byte[] payload) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(header(fin, opcode, payload.length));
    out.write(payload, 0, payload.length);
    return out.toByteArray();
  }

  /** A client frame's header for a payload of {@code length} bytes, masked with a zero key. */
  private static byte[] header(boolean fin, int opcode, long length) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write((fin ? 0x80 : 0) | opcode);
    if (length < 126) {
      out.write(0x80 | (int) length);
    } else if (length < 65536) {
      out.write(0x80 | 126);
      out.write((int) (length >>> 8));
      out.write((int) (length & 0xff));
    } else {
      out.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (length >>> (8 * i)) & 0xff);
      }
    }
    out.write(new byte[4], 0, 4);
    return out.toByteArray();
  }

  /** A received frame: its opcode and payload. */
  public record Received(int opcode, byte[] payload) {
  }

  /** Reads the next frame other than a server ping. */
  public Received readNonPingFrame() throws IOException {
    while (true) {
      Frame f = readFrame();
      if (f.opcode() != 0x9) {
        return new Received(f.opcode(), f.payload());
      }
    }
  }

  /** True when the server closed the TCP connection (end of stream) before sending more. */
  public boolean endOfStream() throws IOException {
    return in.read() < 0;
  }

  private record Frame(boolean fin, int opcode, byte[] payload) {
  }

  /** Reads one unmasked server frame. */
  private Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int len = in.readUnsignedByte() & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = (int) in.readLong();
    }
    return new Frame((b0 & 0x80) != 0, b0 & 0x0f, in.readNBytes(len));
  }

  /** Reads the next text message (skipping pings and other control frames). */
  public String readText() throws IOException {
    StringBuilder message = new StringBuilder();
    while (true) {
      Frame f = readFrame();
      if (f.opcode() == 0x8) {
        throw new IOException("closed by the server");
      }
      if (f.opcode() == 0x1 || f.opcode() == 0x0) {
        message.append(new String(f.payload(), StandardCharsets.UTF_8));
        if (f.fin()) {
          return message.toString();
        }
      }
    }
  }

  /** Reads frames (ignoring pings and messages) until a close frame; returns its code. */
  public int awaitCloseCode() throws IOException {
    for (int frames = 0; frames < 100_000; frames++) {
      Frame f = readFrame();
      if (f.opcode() == 0x8) {
        byte[] p = f.payload();
        return p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1005;
      }
    }
    throw new IOException("no close frame");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
