package io.livesync.client.impl;

import io.livesync.client.ConnectionState;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ServerMessage;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket side of the connection state machine documented on {@link ConnectionState}:
 * attempts, backoff, probing while polling, the welcome and heartbeat timeouts, token refresh.
 * Runs entirely on the engine thread; it tells its {@link Session} about state changes and
 * messages and knows nothing about records.
 */
final class ConnectionManager {
  private static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final int TOKEN_EXPIRED = 4001;

  /** What the rest of the engine hears from the connection (all on the engine thread). */
  interface Session {
    void stateChanged(ConnectionState previous, ConnectionState current, String reason);

    /** The socket is open and the welcome arrived; the state is already CONNECTED. */
    void connected(WsConnection socket, ServerMessage.Welcome welcome);

    /** Any message after the welcome. */
    void message(ServerMessage message);

    /** The connected socket is gone (the state has already left CONNECTED). */
    void disconnected();

    /** A frame could not be decoded, or a connection attempt failed. */
    void transportError(String what, Throwable cause);
  }

  private final ClientSettings settings;
  private final ScheduledExecutorService exec;
  private final java.util.concurrent.Executor engine;
  private final HttpClient http;
  private final TokenManager tokens;
  private final Session session;
  private final Backoff backoff;

  private ConnectionState state;
  private WsConnection socket;
  private long pingsSent;
  private long pongsReceived;
  private boolean attempting;
  private int failures;
  private long lastReceivedNanos;
  private ScheduledFuture<?> retryTimer;
  private ScheduledFuture<?> welcomeTimer;
  private ScheduledFuture<?> heartbeatTimer;
  private ScheduledFuture<?> tokenTimer;

  ConnectionManager(ClientSettings settings, ScheduledExecutorService exec,
      java.util.concurrent.Executor engine, TokenManager tokens, Session session) {
    this.settings = settings;
    this.exec = exec;
    this.engine = engine;
    this.http = WsConnection.newHttpClient();
    this.tokens = tokens;
    this.session = session;
    this.backoff = new Backoff(settings.reconnectDelay(), settings.maxReconnectDelay(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  ConnectionState state() {
    return state;
  }

  /** The open socket in CONNECTED, else null. */
  WsConnection socket() {
    return state == ConnectionState.CONNECTED ? socket : null;
  }

  /**
   * Sends a ping on the open socket and returns its number on this connection (pongs come back
   * in order, so pong number n means everything the server sent before it has been handled);
   * -1 when not connected.
   */
  long ping() {
    WsConnection ws = socket();
    if (ws == null) {
      return -1;
    }
    ws.send(Codec.encodeClient(new io.livesync.protocol.ClientMessage.Ping()));
    return ++pingsSent;
  }

  /** How many pongs this connection has received. */
  long pongs() {
    return pongsReceived;
  }

  void start() {
    if (settings.realtime()) {
      setState(ConnectionState.CONNECTING, null);
      attempt();
    } else {
      setState(ConnectionState.POLLING, "realtime is off");
    }
  }

  void close() {
    ConnectionState previous = state;
    state = ConnectionState.CLOSED;
    cancelTimers();
    if (socket != null) {
      socket.close(1000, "client closed");
      socket = null;
    }
    if (previous != ConnectionState.CLOSED) {
      session.stateChanged(previous, ConnectionState.CLOSED, "closed");
    }
  }

  /**
   * The application's token changed: asks the provider again, and replaces the open socket (or
   * the attempt under way, which carries the old token) with one that uses the new token now.
   * Over HTTP every request asks for the current token anyway. On the engine thread.
   */
  void tokenChanged() {
    if (state == ConnectionState.CLOSED || !tokens.enabled()) {
      return;
    }
    try {
      tokens.refresh();
    } catch (RuntimeException e) {
      session.transportError("the token provider failed", e);
    }
    WsConnection s = socket;
    if (s != null && attempting) {
      // its completion sees the slot taken away and gives up; the next attempt has the token
      socket = null;
      s.abort();
      scheduleAttempt(0);
      return;
    }
    if (s != null) {
      s.abort();
      lost(s, "the token changed", false);
    }
    if (settings.realtime() && !attempting && socket == null) {
      cancel(retryTimer);
      attempt();
    }
  }

  /** Drops the socket as dead (e.g. the server answered nonsense); reconnects as usual. */
  void dropSocket(String reason) {
    if (socket != null) {
      WsConnection s = socket;
      s.abort();
      lost(s, reason, false);
    }
  }

  // ---------------------------------------------------------------- attempts

  private void attempt() {
    if (state == ConnectionState.CLOSED || attempting || socket != null) {
      return; // an attempt is under way, or a socket is open
    }
    attempting = true;
    String token;
    try {
      token = tokens.current();
    } catch (RuntimeException e) {
      attempting = false;
      session.transportError("the token provider failed", e);
      failed("token provider failed: " + e);
      return;
    }
    WsConnection ws = new WsConnection(engine, new Handler());
    socket = ws;
    ws.connect(http, settings.webSocketUri(), token, CONNECT_TIMEOUT)
        .whenCompleteAsync((x, err) -> {
          attempting = false;
          if (socket != ws) { // closed, or already failed through the handler
            ws.abort();
            return;
          }
          if (err != null) {
            socket = null;
            Throwable cause = err instanceof java.util.concurrent.CompletionException
                && err.getCause() != null ? err.getCause() : err;
            if (String.valueOf(cause.getMessage()).contains("401") && tokens.enabled()) {
              tokens.refresh();
            }
            failed("connection attempt failed: " + cause);
            return;
          }
          lastReceivedNanos = System.nanoTime();
          if (state != ConnectionState.CONNECTED) {
            welcomeTimer = exec.schedule(() -> engine.execute(() -> {
              if (socket == ws && state != ConnectionState.CONNECTED) {
                ws.abort();
                lost(ws, "no welcome within " + WELCOME_TIMEOUT.toSeconds() + " s", false);
              }
            }), WELCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          }
        }, engine);
  }

  /** A connection attempt (or a socket before its welcome) failed. */
  private void failed(String reason) {
    failures++;
    if (state == ConnectionState.POLLING) {
      scheduleAttempt(failures - 1); // probe again later, capped by maxReconnectDelay
    } else if (failures > settings.maxReconnectAttempts()) {
      setState(ConnectionState.POLLING, reason + "; " + settings.maxReconnectAttempts()
          + " reconnect attempts failed, polling over HTTP");
      scheduleAttempt(failures - 1);
    } else {
      setState(ConnectionState.RECONNECTING, reason);
      scheduleAttempt(failures - 1);
    }
  }

  private void scheduleAttempt(int attempt) {
    cancel(retryTimer);
    long delay = backoff.delayMillis(attempt);
    retryTimer = exec.schedule(() -> engine.execute(this::attempt), delay,
        TimeUnit.MILLISECONDS);
  }

  private void welcomed(WsConnection ws, ServerMessage.Welcome welcome) {
    pingsSent = 0;
    pongsReceived = 0;
    cancel(welcomeTimer);
    cancel(retryTimer);
    failures = 0;
    setState(ConnectionState.CONNECTED, "connected as " + welcome.user());
    startHeartbeat(ws);
    scheduleTokenRefresh(ws);
    session.connected(ws, welcome);
  }

  /** The socket closed or failed; {@code tokenExpired} when the server closed with 4001. */
  private void lost(WsConnection ws, String reason, boolean tokenExpired) {
    if (ws != socket || state == ConnectionState.CLOSED) {
      return;
    }
    socket = null;
    cancel(welcomeTimer);
    cancel(heartbeatTimer);
    cancel(tokenTimer);
    if (tokenExpired && tokens.enabled()) {
      tokens.refresh();
    }
    if (state == ConnectionState.CONNECTED) {
      failures = 1; // the lost connection counts as the first failure
      setState(ConnectionState.RECONNECTING, reason);
      session.disconnected();
      scheduleAttempt(0);
    } else {
      failed(reason);
    }
  }

  // ---------------------------------------------------------------- keeping the socket honest

  private void startHeartbeat(WsConnection ws) {
    long every = settings.heartbeatInterval().toMillis();
    heartbeatTimer = exec.scheduleWithFixedDelay(() -> engine.execute(() -> {
      if (ws != socket) {
        return;
      }
      long silentMillis = (System.nanoTime() - lastReceivedNanos) / 1_000_000;
      if (silentMillis > 2 * every) {
        ws.abort();
        lost(ws, "no message from the server for " + silentMillis + " ms", false);
      } else {
        ping();
      }
    }), every, every, TimeUnit.MILLISECONDS);
  }

  private void scheduleTokenRefresh(WsConnection ws) {
    cancel(tokenTimer);
    String token = tokens.enabled() ? tokens.current() : null;
    long now = System.currentTimeMillis();
    long at = TokenManager.refreshAtMillis(token, now);
    if (at < 0) {
      return;
    }
    tokenTimer = exec.schedule(() -> engine.execute(() -> {
      if (ws != socket) {
        return;
      }
      try {
        String fresh = tokens.refresh();
        if (fresh != null) {
          ws.send(Codec.encodeClient(new io.livesync.protocol.ClientMessage.Auth(fresh)));
        }
        scheduleTokenRefresh(ws);
      } catch (RuntimeException e) {
        session.transportError("the token provider failed", e);
      }
    }), Math.max(0, at - now), TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- helpers

  private void setState(ConnectionState next, String reason) {
    ConnectionState previous = state;
    if (previous == next || previous == ConnectionState.CLOSED) {
      return;
    }
    state = next;
    session.stateChanged(previous, next, reason);
  }

  private void cancelTimers() {
    cancel(retryTimer);
    cancel(welcomeTimer);
    cancel(heartbeatTimer);
    cancel(tokenTimer);
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private final class Handler implements WsConnection.Handler {
    @Override
    public void onText(WsConnection ws, String text) {
      if (ws != socket || state == ConnectionState.CLOSED) {
        return;
      }
      lastReceivedNanos = System.nanoTime();
      ServerMessage m;
      try {
        m = Codec.decodeServer(text);
      } catch (RuntimeException e) {
        session.transportError("cannot decode a server message: "
            + (text.length() > 200 ? text.substring(0, 200) + "…" : text), e);
        return;
      }
      if (m instanceof ServerMessage.Welcome w) {
        if (state != ConnectionState.CONNECTED) {
          welcomed(ws, w);
        }
      } else if (state == ConnectionState.CONNECTED) {
        if (m instanceof ServerMessage.Authed) {
          scheduleTokenRefresh(ws);
        } else if (m instanceof ServerMessage.Pong) {
          pongsReceived++;
        }
        session.message(m);
      }
    }

    @Override
    public void onClosed(WsConnection ws, int code, String reason) {
      lost(ws, "closed by the server (" + code + (reason == null || reason.isEmpty() ? ""
          : " " + reason) + ")", code == TOKEN_EXPIRED);
    }

    @Override
    public void onFailed(WsConnection ws, Throwable error) {
      lost(ws, "socket failed: " + error, false);
    }
  }
}
