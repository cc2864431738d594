package io.livesync.client.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDK WebSocket under {@link WsConnection}, against a real socket on loopback that can end
 * the TCP connection without a close frame. The "engine" here is a thread pool, so a test can
 * watch the connection while a message is still being handled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsConnectionTest {
  private ServerSocket listener;
  private final CompletableFuture<Socket> accepted = new CompletableFuture<>();
  private final ExecutorService engine = Executors.newCachedThreadPool();

  @BeforeEach
  void listen() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try {
        accepted.complete(handshake(listener.accept()));
      } catch (Exception e) {
        accepted.completeExceptionally(e);
      }
    }, "ws-test-server");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stop() throws IOException {
    listener.close();
    engine.shutdownNow();
  }

  @Test
  void aConnectionDroppedWhileAMessageIsBeingHandledIsReported() throws Exception {
    CountDownLatch handling = new CountDownLatch(1);
    CompletableFuture<String> end = new CompletableFuture<>();
    WsConnection c = new WsConnection(engine, new Recorder(end) {
      @Override
      public void onText(WsConnection connection, String text) {
        handling.countDown();
        end.completeOnTimeout("still open", 20, TimeUnit.SECONDS).join();
      }
    });
    c.connect(WsConnection.newHttpClient(), uri(), null, Duration.ofSeconds(10))
        .get(10, TimeUnit.SECONDS);
    Socket server = accepted.get(10, TimeUnit.SECONDS);
    sendText(server, "welcome");
    assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

    server.close(); // no close frame: only the end of the TCP stream tells

    assertThat(end.get(20, TimeUnit.SECONDS)).isEqualTo("closed 1006");
  }

  @Test
  void readingStopsWhileTheEngineIsBehindAndResumesWhenItCatchesUp() throws Exception {
    int messages = 3 * WsConnection.MAX_UNHANDLED;
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    CountDownLatch behind = new CountDownLatch(WsConnection.MAX_UNHANDLED);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch handled = new CountDownLatch(messages);
    WsConnection c = new WsConnection(engine, new Recorder(new CompletableFuture<>()) {
      @Override
      public void onText(WsConnection connection, String text) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        behind.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        inFlight.decrementAndGet();
        handled.countDown();
      }
    });
    c.connect(WsConnection.newHttpClient(), uri(), null, Duration.ofSeconds(10))
        .get(10, TimeUnit.SECONDS);
    Socket server = accepted.get(10, TimeUnit.SECONDS);
    for (int i = 0; i < messages; i++) {
      sendText(server, "m" + i);
    }
    assertThat(behind.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    assertThat(handled.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(maxInFlight.get()).isEqualTo(WsConnection.MAX_UNHANDLED);
    server.close();
  }

  private URI uri() {
    return URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/ws");
  }

  /** Records how the connection ended; ignores messages. */
  private static class Recorder implements WsConnection.Handler {
    private final CompletableFuture<String> end;

    Recorder(CompletableFuture<String> end) {
      this.end = end;
    }

    @Override
    public void onText(WsConnection connection, String text) {
    }

    @Override
    public void onClosed(WsConnection connection, int code, String reason) {
      end.complete("closed " + code);
    }

    @Override
    public void onFailed(WsConnection connection, Throwable error) {
      end.complete("failed " + error);
    }
  }

  /** Answers the opening handshake (RFC 6455 section 4.2.2). */
  private static Socket handshake(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the handshake");
      }
      head.append((char) b);
    }
    Matcher key = Pattern.compile("(?i)\r\nsec-websocket-key:\\s*(\\S+)").matcher(head);
    if (!key.find()) {
      throw new IOException("no key in " + head);
    }
    String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
        .digest((key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
            .getBytes(StandardCharsets.ISO_8859_1)));
    OutputStream out = s.getOutputStream();
    out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return s;
  }

  /** One unmasked text frame (payloads under 126 bytes). */
  private static void sendText(Socket s, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(0x81);
    out.write(payload.length);
    out.write(payload);
    out.flush();
  }
}
