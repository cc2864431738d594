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

  /**
   * Reads each request head from the client (HTTP/1.1 keep-alive reuses connections, so every
   * request is inspected, not only the first), relays allowed ones with their bodies, and after
   * an upgrade relays raw bytes.
   */
  private void handle(Socket client) {
    Relay relay = null;
    try {
      if (mode == Mode.REFUSE_ALL) {
        client.close();
        return;
      }
      InputStream in = new java.io.BufferedInputStream(client.getInputStream());
      while (true) {
        byte[] head = readHead(in);
        if (head == null) {
          closeQuietly(client);
          if (relay != null) {
            relay.close();
          }
          return;
        }
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
          closeQuietly(client);
          if (relay != null) {
            relay.close();
          }
          return;
        }
        if (relay == null) {
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          relay = new Relay(client, upstream);
          relays.add(relay);
          relay.pump(upstream, client);
        }
        relay.webSocket |= upgrade;
        OutputStream up = relay.b.getOutputStream();
        up.write(head);
        if (upgrade || text.contains("\ntransfer-encoding: chunked")) {
          relay.copyRest(in);
          return;
        }
        java.util.regex.Matcher cl = java.util.regex.Pattern.compile("\ncontent-length:\\s*(\\d+)")
            .matcher(text);
        long remaining = cl.find() ? Long.parseLong(cl.group(1)) : 0;
        byte[] buf = new byte[8192];
        while (remaining > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
          if (n < 0) {
            throw new IOException("closed in a request body");
          }
          up.write(buf, 0, n);
          remaining -= n;
        }
        up.flush();
      }
    } catch (IOException e) {
      closeQuietly(client);
      if (relay != null) {
        relay.close();
      }
    }
  }

  /** Reads up to the end of a request head (CRLF CRLF); null at a clean end of stream. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (buf.size() < 65536) {
      int b = in.read();
      if (b < 0) {
        if (buf.size() == 0) {
          return null;
        }
        throw new IOException("closed inside a request head");
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
    volatile boolean webSocket;

    Relay(Socket a, Socket b) {
      this.a = a;
      this.b = b;
    }

    /** Relays the rest of the client's stream as raw bytes, on the calling thread. */
    void copyRest(InputStream in) {
      try {
        copy(in, b.getOutputStream());
      } catch (IOException e) {
        // one side closed
      } finally {
        close();
      }
    }

    void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        try (InputStream in = from.getInputStream()) {
          copy(in, to.getOutputStream());
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

  /** Relays bytes as they come until the end of {@code in}. */
  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[16384];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      out.flush();
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
