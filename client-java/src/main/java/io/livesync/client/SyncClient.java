package io.livesync.client;

import io.livesync.client.impl.ClientSettings;
import io.livesync.client.impl.DefaultSyncClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The LiveSync client: a local SQLite store (records, cursors, an outbox of pending writes)
 * kept in sync with a server over a WebSocket, or over HTTP when the socket is unavailable. See
 * {@link ConnectionState} for the connection state machine.
 *
 * <p>Build one per device and user with {@link #builder()}; it starts connecting at once and
 * runs until {@link #close()}. Thread-safe: every method may be called from any thread.
 * Listeners run on the executor they were registered with; they must not block on the client
 * (for example call {@link #awaitSynced}) when that executor is a direct one.
 */
public interface SyncClient extends AutoCloseable {

  static Builder builder() {
    return new Builder();
  }

  /** The collection with this name; opening it subscribes it. Cheap; returns the same object. */
  CollectionRef collection(String name);

  /** The connection state now. */
  ConnectionState state();

  /** This device's node id: the writer id in every timestamp it issues; persisted. */
  String nodeId();

  /**
   * Registers a listener for {@link SyncEvent}s, called on {@code executor} in order, never
   * concurrently. Closing the returned handle (idempotent) stops the calls.
   */
  AutoCloseable addEventListener(Executor executor, SyncEventListener listener);

  /** How many local writes the server has not acknowledged yet. */
  int pendingWrites();

  /**
   * Waits until every local write is acknowledged and visible in the local copy and every
   * opened collection is caught up: over the socket, subscribed and {@code synced}, plus a ping
   * round trip so that everything the server sent before it has been applied; when polling,
   * pulled after the last write. Returns false when the timeout passes first. (A server that
   * holds back live changes from a slow client catches it up later; that cannot be seen from
   * here.)
   */
  boolean awaitSynced(Duration timeout) throws InterruptedException;

  /**
   * The token changed (another user signed in, new grants): asks the token provider again and
   * reconnects with the new token at once, so subscriptions and writes use its grants. Without
   * it the client keeps its token until the server refuses it or it nears {@code exp}; a token
   * with a good signature but other grants is never refused at the handshake, so writes outside
   * its grants stay {@code forbidden}. Does nothing without a token provider. Returns at once.
   */
  void refreshToken();

  /** Writes the server refused for good, oldest first. */
  List<DeadLetter> deadLetters();

  /** Forgets all dead letters. */
  void clearDeadLetters();

  /**
   * Flushes what it can (waits up to the close timeout for unacknowledged writes while the
   * server is reachable), closes the connection and the store. Pending writes stay in the store
   * for the next client on the same file. Idempotent.
   */
  @Override
  void close();

  /** Builds a {@link SyncClient}; only {@link #serverUrl} is required. */
  final class Builder {
    private URI serverUrl;
    private Supplier<String> tokenProvider;
    private Path storage;
    private boolean realtime = true;
    private Duration reconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(30);
    private int maxReconnectAttempts = 5;
    private Duration pollInterval = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(15);
    private Duration closeTimeout = Duration.ofSeconds(3);
    private int writesPerSecond = 500;
    private Executor callbackExecutor;
    private String nodeId;
    private Clock clock = Clock.systemUTC();
    private final java.util.LinkedHashMap<SyncEventListener, Executor> eventListeners =
        new java.util.LinkedHashMap<>();

    private Builder() {
    }

    /** The server's base URL, e.g. {@code http://localhost:8080}; the socket is at /v1/ws. */
    public Builder serverUrl(URI serverUrl) {
      this.serverUrl = Objects.requireNonNull(serverUrl, "serverUrl");
      return this;
    }

    /**
     * Supplies the JWT sent at the handshake and on HTTP calls. Asked again shortly before the
     * token's {@code exp} (the new one is sent with an {@code auth} message), when the server
     * closes with 4001 and when an HTTP call gets 401. Called on the client's own thread; may
     * block briefly. Without it no token is sent (a server with authentication disabled).
     */
    public Builder tokenProvider(Supplier<String> tokenProvider) {
      this.tokenProvider = tokenProvider;
      return this;
    }

    /** Keeps the local store in this SQLite file (created when missing). */
    public Builder storage(Path file) {
      this.storage = Objects.requireNonNull(file, "file");
      return this;
    }

    /** Keeps the local store in memory: nothing survives {@link SyncClient#close()}. Default. */
    public Builder inMemoryStorage() {
      this.storage = null;
      return this;
    }

    /** true (default): the WebSocket instant path; false: HTTP push and pull only. */
    public Builder realtime(boolean realtime) {
      this.realtime = realtime;
      return this;
    }

    /** Base of the exponential reconnect backoff (full jitter). Default 1 s. */
    public Builder reconnectDelay(Duration delay) {
      this.reconnectDelay = positive(delay, "reconnectDelay");
      return this;
    }

    /** Cap of the backoff, and so the longest gap between socket probes while polling. 30 s. */
    public Builder maxReconnectDelay(Duration delay) {
      this.maxReconnectDelay = positive(delay, "maxReconnectDelay");
      return this;
    }

    /** Failed reconnect attempts before falling back to HTTP polling. Default 5; 0 = at once. */
    public Builder maxReconnectAttempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("maxReconnectAttempts must be >= 0, was " + attempts);
      }
      this.maxReconnectAttempts = attempts;
      return this;
    }

    /** How often to pull while polling. Default 30 s. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /**
     * How often the client pings over an idle socket; a socket silent for two intervals is
     * considered dead and replaced. Default 15 s.
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive(interval, "heartbeatInterval");
      return this;
    }

    /** How long {@link SyncClient#close()} waits for unacknowledged writes. Default 3 s. */
    public Builder closeTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must be >= 0");
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Most writes sent per second over the socket, in bursts of at most a fifth of that.
     * Default 500, half the server's default {@code limits.maxWritesPerSecond} of 1,000 per
     * connection. Raise it only with the server's limit and keep it below; writes past the
     * server's limit are answered {@code rate_limited} and sent again after a second (nothing is
     * lost, but the socket pauses), and a connection that keeps exceeding it is closed with
     * 4008. HTTP push is not paced by this: it sends pages of 500.
     */
    public Builder writesPerSecond(int writesPerSecond) {
      if (writesPerSecond < 1 || writesPerSecond > 1_000_000) {
        throw new IllegalArgumentException(
            "writesPerSecond must be between 1 and 1000000, was " + writesPerSecond);
      }
      this.writesPerSecond = writesPerSecond;
      return this;
    }

    /** Runs {@code watch()} deliveries; default: one daemon thread owned by the client. */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = executor;
      return this;
    }

    /**
     * Fixes this device's node id (1-64 of letters, digits, _ -) instead of the one generated
     * and persisted on first use. Meant for tests and for devices with an identity of their own.
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Registers an event listener before the client starts, so that it sees every event from
     * the first connection attempt on (one added later with
     * {@link SyncClient#addEventListener} may miss the first state changes).
     */
    public Builder eventListener(Executor executor, SyncEventListener listener) {
      eventListeners.put(Objects.requireNonNull(listener, "listener"),
          Objects.requireNonNull(executor, "executor"));
      return this;
    }

    /** The wall clock behind the hybrid logical clock. Meant for tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Opens the store and starts connecting. Fails with {@link IllegalStateException} when the
     * storage file is in use by another client.
     */
    public SyncClient build() {
      if (serverUrl == null) {
        throw new IllegalStateException("serverUrl is required, e.g. http://localhost:8080");
      }
      String scheme = serverUrl.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        throw new IllegalArgumentException(
            "serverUrl must be http:// or https://, was " + serverUrl);
      }
      return new DefaultSyncClient(new ClientSettings(serverUrl, tokenProvider, storage,
          realtime, reconnectDelay, maxReconnectDelay, maxReconnectAttempts, pollInterval,
          heartbeatInterval, closeTimeout, writesPerSecond, callbackExecutor, nodeId, clock,
          java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(eventListeners))));
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, was " + d);
      }
      return d;
    }
  }
}
