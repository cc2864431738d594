package io.livesync.protocol;

import java.util.List;

/** A message from server to client over the WebSocket (PROTOCOL.md 2.2 and 2.4). */
public sealed interface ServerMessage {
  record Welcome(int protocol, String connectionId, String user, long time)
      implements ServerMessage {
  }

  record Reset(String collection) implements ServerMessage {
  }

  record Changes(String collection, List<Change> items) implements ServerMessage {
  }

  record Synced(String collection, long seq, String epoch) implements ServerMessage {
  }

  record ChangeEvent(Change change) implements ServerMessage {
  }

  record AckEvent(Ack ack) implements ServerMessage {
  }

  record Error(ErrorInfo error) implements ServerMessage {
  }

  record Unsubscribed(String collection) implements ServerMessage {
  }

  record Pong(long time) implements ServerMessage {
  }

  record Authed(long exp) implements ServerMessage {
  }
}
