package io.livesync.client.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real TCP relay in front of the server that a test can switch: pass everything, refuse
 * WebSocket upgrades (answer 403 to a request with {@code Upgrade: websocket}), or refuse every
 * connection (a server that is down). It reads each connection's first request head to decide,
 * then relays bytes both ways. Switching modes drops the connections the new mode would refuse.
 */
public final class TcpProxy implements AutoCloseable {
  public enum Mode { PASS, REFUSE_WEBSOCKET, REFUSE_ALL }

  private final ServerSocket server;
  private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
  private volatile int targetPort;
  private volatile Mode mode;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicInteger refusedUpgrades =
      new java.util.concurrent.atomic.AtomicInteger();

  public TcpProxy(int targetPort, Mode mode) throws IOException {
    this.targetPort = targetPort;
    this.mode = mode;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::acceptLoop, "tcp-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** How many WebSocket upgrades were refused so far. */
  public int refusedUpgrades() {
    return refusedUpgrades.get();
  }

  public void setTarget(int port) {
    this.targetPort = port;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
    for (Relay r : relays) {
      if (mode == Mode.REFUSE_ALL || mode == Mode.REFUSE_WEBSOCKET && r.webSocket) {
        r.close();
      }
    }
  }

  /** Drops every relayed connection (the server "restarted" from the client's view). */
  public void dropAll() {
    for (Relay r : relays) {
      r.close();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> handle(client), "tcp-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket client) {
    try {
      if (mode == Mode.REFUSE_ALL) {
        client.close();
        return;
      }
      byte[] head = readHead(client.getInputStream());
      String text = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      boolean upgrade = text.contains("\nupgrade: websocket");
      Mode m = mode;
      if (m == Mode.REFUSE_ALL || m == Mode.REFUSE_WEBSOCKET && upgrade) {
        if (upgrade) {
          refusedUpgrades.incrementAndGet();
        }
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        client.close();
        return;
      }
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      Relay relay = new Relay(client, upstream, upgrade);
      relays.add(relay);
      upstream.getOutputStream().write(head);
      relay.start();
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  /** Reads up to the end of the first request head (CRLF CRLF). */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (buf.size() < 65536) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before a request head");
      }
      buf.write(b);
      state = (b == '\r' && (state == 0 || state == 2)) ? state + 1
          : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        break;
      }
    }
    return buf.toByteArray();
  }

  private final class Relay {
    final Socket a;
    final Socket b;
    final boolean webSocket;

    Relay(Socket a, Socket b, boolean webSocket) {
      this.a = a;
      this.b = b;
      this.webSocket = webSocket;
    }

    void start() {
      pump(a, b);
      pump(b, a);
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream()) {
          OutputStream out = to.getOutputStream();
          int n;
          while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // one side closed
        } finally {
          close();
        }
      }, "tcp-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    void close() {
      relays.remove(this);
      closeQuietly(a);
      closeQuietly(b);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    dropAll();
  }
}
