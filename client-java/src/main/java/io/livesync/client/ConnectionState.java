package io.livesync.client;

/**
 * Where the client's connection to the server stands. This Javadoc is the one description of
 * the connection state machine; the code in {@code impl.ConnectionManager} follows it.
 *
 * <pre>
 *                build(), realtime(true)
 *                        │
 *                        ▼
 *                 ┌────────────┐  welcome received    ┌───────────┐
 *                 │ CONNECTING │ ───────────────────▶ │ CONNECTED │ ◀──────────────┐
 *                 └────────────┘                      └───────────┘                │
 *                        │ attempt failed                   │ socket closed/failed │
 *                        ▼                                  ▼                      │
 *                 ┌──────────────┐  attempt failed, attempts &lt; max                 │
 *                 │ RECONNECTING │ ◀────────┐  (wait backoff, try again)           │
 *                 └──────────────┘ ─────────┘                                      │
 *                        │ reconnect succeeded ────────────────────────────────────┤
 *                        │ attempts == maxReconnectAttempts                        │
 *                        ▼                                                         │
 *                 ┌──────────┐  socket probe succeeded                             │
 *   realtime(false)│ POLLING  │ ───────────────────────────────────────────────────┘
 *   ─────────────▶ └──────────┘
 *
 *          any state ── close() ──▶ CLOSED (final)
 * </pre>
 *
 * <p><b>Backoff.</b> The delay before reconnect attempt {@code n} (0-based) is drawn uniformly
 * from {@code [0, min(maxReconnectDelay, reconnectDelay * 2^n)]} ("full jitter"). The attempt
 * counter is reset when a connection reaches {@link #CONNECTED} (the server's {@code welcome}
 * arrived), so a server that accepts the upgrade and then drops the socket still backs off.
 *
 * <p><b>Losing the socket.</b> A socket counts as lost when it closes, fails, a send on it fails,
 * no {@code welcome} arrives within 10 s of the upgrade, or nothing (pongs included) arrives for
 * two heartbeat intervals. A close with 4001 (token expired) asks the token provider for a new
 * token before the next attempt.
 *
 * <p><b>Writes in each state.</b> In {@link #CONNECTED} the outbox drains over the WebSocket. In
 * {@link #RECONNECTING} and {@link #POLLING} it drains over HTTP {@code POST /v1/sync/push}, at
 * once after each local write and then again after failures with the same backoff. In
 * {@link #CONNECTING} writes wait (for at most one connection attempt) for the socket.
 *
 * <p><b>Reads in each state.</b> In {@link #CONNECTED} every opened collection is subscribed
 * from its persisted cursor and receives live changes. In {@link #POLLING} each opened
 * collection is pulled ({@code GET /v1/sync/pull}, paging until {@code hasMore} is false) every
 * {@code pollInterval}, and right after each successful push. While {@link #RECONNECTING} the
 * client does not read: the next connection catches up from the cursor.
 *
 * <p><b>Probing.</b> In {@link #POLLING} (when realtime is on) the socket is still tried, with
 * the backoff above continuing from the last attempt and therefore capped at
 * {@code maxReconnectDelay}. A probe that succeeds moves to {@link #CONNECTED} and stops the
 * polling. With {@code realtime(false)} the client starts in {@link #POLLING} and never opens a
 * socket.
 */
public enum ConnectionState {
  /** The first WebSocket connection attempt is under way. */
  CONNECTING,
  /** The WebSocket is open and the server's {@code welcome} arrived; subscriptions are live. */
  CONNECTED,
  /** The socket was lost or could not be opened; retrying with exponential backoff. */
  RECONNECTING,
  /** Reconnect attempts are exhausted (or realtime is off): syncing by HTTP push and pull. */
  POLLING,
  /** {@link SyncClient#close()} was called; nothing runs any more. */
  CLOSED
}
