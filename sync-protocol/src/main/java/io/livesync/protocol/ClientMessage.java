package io.livesync.protocol;

/** A message from client to server over the WebSocket (PROTOCOL.md 2.3). */
public sealed interface ClientMessage {
  /** {@code since} is the client's cursor (0 on first subscribe); {@code epoch} may be null. */
  record Subscribe(String collection, long since, String epoch) implements ClientMessage {
  }

  record Unsubscribe(String collection) implements ClientMessage {
  }

  record WriteOp(Write write) implements ClientMessage {
  }

  record Auth(String token) implements ClientMessage {
  }

  record Ping() implements ClientMessage {
  }
}
