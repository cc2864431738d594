package io.livesync.client.impl;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One WebSocket connection over the JDK client. Whole text messages are handed to the
 * {@link Handler} on the engine executor, one at a time: the next message is requested only
 * after the previous one was handled, so a slow client applies backpressure to the server
 * (which then catches it up instead of buffering). Pings are answered by the JDK.
 *
 * <p>{@link #send} and {@link #close} must be called on the engine executor; sends are chained
 * because the JDK allows one outstanding send at a time.
 */
final class WsConnection {

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

  WsConnection(Executor engine, Handler handler) {
    this.engine = engine;
    this.handler = handler;
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
      engine.execute(() -> {
        try {
          handler.onText(WsConnection.this, message);
        } finally {
          webSocket.request(1);
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
