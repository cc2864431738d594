package io.livesync.protocol;

/** The three write operations (PROTOCOL.md 1.3). */
public enum Op {
  INSERT("insert"),
  UPDATE("update"),
  DELETE("delete");

  private final String wire;

  Op(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Returns the op for a wire name, or null when it is not a write type. */
  public static Op fromWire(String wire) {
    if (wire == null) {
      return null;
    }
    switch (wire) {
      case "insert": return INSERT;
      case "update": return UPDATE;
      case "delete": return DELETE;
      default: return null;
    }
  }
}
