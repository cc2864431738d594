package io.livesync.client.impl;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One WebSocket connection over the JDK client. Whole text messages are handed to the
 * {@link Handler} on the engine executor, one at a time. Up to {@link #MAX_UNHANDLED} messages
 * may wait for the engine; then reading stops until it catches up, so a slow client applies
 * backpressure to the server (which then catches it up instead of buffering). Pings are
 * answered by the JDK.
 *
 * <p>The JDK must always have demand for the next message: its WebSocket reads the end of the
 * stream even without demand, and when the TCP connection ends (no close frame) while no
 * message is requested, it fails internally and never calls {@code onClose} or
 * {@code onError}, not even after a later {@code request} (JDK 17 to 25: {@code
 * TransportImpl.acknowledgeReception} throws {@code InternalError}). So the next message is
 * requested as soon as one arrives, not after the engine handled it, and the listener runs on
 * the client's own thread ({@link #newHttpClient()}), so the JDK renews the demand before it
 * looks at the socket again. Only a client that is {@code MAX_UNHANDLED} messages behind can
 * still miss a dropped connection; the heartbeat finds it then.
 *
 * <p>{@link #send} and {@link #close} must be called on the engine executor; sends are chained
 * because the JDK allows one outstanding send at a time.
 */
final class WsConnection {
  /** Messages received and not yet handled by the engine before reading stops. */
  static final int MAX_UNHANDLED = 8;

  /** Callbacks, all on the engine executor. */
  interface Handler {
    void onText(WsConnection connection, String text);

    void onClosed(WsConnection connection, int code, String reason);

    void onFailed(WsConnection connection, Throwable error);
  }

  private final Executor engine;
  private final Handler handler;
  private volatile WebSocket ws;
  private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
  private boolean closing;
  private final AtomicInteger unhandled = new AtomicInteger();

  WsConnection(Executor engine, Handler handler) {
    this.engine = engine;
    this.handler = handler;
  }

  /**
   * The HTTP client to {@link #connect} with: it calls the listener on its selector thread, so
   * the JDK renews the listener's demand before it handles the next socket event (see above).
   * The listener only hands messages to the engine, so it never blocks that thread.
   */
  static HttpClient newHttpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(Runnable::run).build();
  }

  /**
   * Opens the connection; completes when the upgrade succeeded, fails when it did not. Messages
   * may reach the handler before this completes, so callers identify the connection by this
   * object, not by the completion.
   */
  CompletableFuture<Void> connect(HttpClient http, URI uri, String token,
      Duration connectTimeout) {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(connectTimeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.buildAsync(uri, new Listener()).thenAccept(w -> ws = w);
  }

  private static final System.Logger LOG = System.getLogger("io.livesync.client.wire");

  void send(String text) {
    if (closing) {
      return;
    }
    LOG.log(System.Logger.Level.TRACE, () -> "-> " + abbreviate(text));
    sendChain = sendChain.thenCompose(x -> ws.sendText(text, true)).exceptionally(e -> {
      // the JDK does not tell the listener about an abort: report the failure ourselves
      abort();
      engine.execute(() -> handler.onFailed(this, e));
      return null;
    });
  }

  /** Sends a close frame after the queued messages; aborts if the peer does not answer. */
  void close(int code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    sendChain.thenCompose(x -> ws.sendClose(code, reason))
        .orTimeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .whenComplete((x, e) -> {
          if (e != null) {
            abort();
          }
        });
  }

  /** Drops the connection at once, without a close handshake. */
  void abort() {
    closing = true;
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "… (" + text.length() + " chars)";
  }

  private final class Listener implements WebSocket.Listener {
    private StringBuilder text = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (!last) {
        webSocket.request(1);
        return null;
      }
      String message = text.toString();
      text = new StringBuilder();
      LOG.log(System.Logger.Level.TRACE, () -> "<- " + abbreviate(message));
      if (unhandled.incrementAndGet() < MAX_UNHANDLED) {
        webSocket.request(1); // now, not after the engine: see the class comment
      }
      engine.execute(() -> {
        try {
          handler.onText(WsConnection.this, message);
        } finally {
          if (unhandled.getAndDecrement() == MAX_UNHANDLED) {
            webSocket.request(1); // reading stopped at this message: resume
          }
        }
      });
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1); // the protocol has no binary messages
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      engine.execute(() -> handler.onClosed(WsConnection.this, statusCode, reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      engine.execute(() -> handler.onFailed(WsConnection.this, error));
    }
  }
}
