package io.livesync.server.security;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client on a bare socket that writes frames byte by byte, RSV bits included: what
 * an attacker sends, not what a library would.
 */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final String responseHead;

  RawClient(int port, String token, String extensions) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(20_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
    StringBuilder req = new StringBuilder("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
    if (token != null) {
      req.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    if (extensions != null) {
      req.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
    }
    out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    responseHead = head.toString();
  }

  String responseHead() {
    return responseHead;
  }

  /** The body of a refused handshake: the bytes its Content-Length announces. */
  String responseBody() throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("(?im)^content-length:\\s*(\\d+)").matcher(responseHead);
    if (!m.find()) {
      throw new IOException("no Content-Length in " + responseHead);
    }
    byte[] body = new byte[Integer.parseInt(m.group(1))];
    in.readFully(body);
    return new String(body, StandardCharsets.UTF_8);
  }

  /** One frame, masked with a zero key (so the payload goes out as is). */
  void frame(int firstByte, byte[] payload) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write(firstByte);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else if (payload.length < 65536) {
      f.write(0x80 | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) (((long) payload.length >>> (8 * i)) & 0xff));
      }
    }
    f.write(new byte[4], 0, 4);
    f.write(payload, 0, payload.length);
    try {
      out.write(f.toByteArray());
      out.flush();
    } catch (IOException e) {
      // the server may close while we are still writing; the close code tells what happened
    }
  }

  /**
   * Reads frames until a close frame and returns its status code; -1 when the connection ends
   * without one.
   */
  int awaitCloseCode() throws IOException {
    try {
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        if ((b0 & 0x0f) == 0x8) {
          return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
      }
    } catch (EOFException | java.net.SocketException e) {
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
