package io.livesync.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;

/** The protocol's naming rules and limits, with messages that say how to fix the input. */
public final class Validation {
  /*
   * The names' languages, as regular expressions (the documentation; the checks below are
   * hand-written because they run for every write, and NameMatcherTest keeps them equal):
   *   collection  ^[A-Za-z0-9_.:-]{1,128}$
   *   id, opId    ^[A-Za-z0-9_.:@-]{1,128}$
   */
  private static final int MAX_NAME = 128;

  private Validation() {
  }

  public static String collection(String name) {
    if (name == null || !isName(name, false)) {
      throw SyncException.badRequest("collection name " + shown(name)
          + " is not allowed; use 1-128 of letters, digits, _ . : -");
    }
    return name;
  }

  public static String id(String id) {
    if (id == null || !isName(id, true)) {
      throw SyncException.badRequest("record id " + shown(id)
          + " is not allowed; use 1-128 of letters, digits, _ . : @ -");
    }
    return id;
  }

  public static String opId(String opId) {
    if (opId == null || !isName(opId, true)) {
      throw SyncException.badRequest("opId " + shown(opId)
          + " is not allowed; use a UUID (1-128 of letters, digits, _ . : @ -)");
    }
    return opId;
  }

  /**
   * Checks a write's document: no reserved top-level names, within the depth and size limits.
   * For an update, null values (field removal) are allowed.
   */
  public static void data(ObjectNode data, Limits limits) {
    Iterator<String> names = data.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (name.startsWith("_")) {
        throw SyncException.badRequest("field name '" + truncate(name)
            + "' is reserved: top-level field names must not start with '_'");
      }
    }
    int depth = depth(data, 1, limits.maxDepth());
    if (depth > limits.maxDepth()) {
      throw SyncException.tooLarge(
          "data is nested deeper than " + limits.maxDepth() + " levels");
    }
    int size = Json.utf8Size(data);
    if (size > limits.maxDataBytes()) {
      throw SyncException.tooLarge("data is " + size + " bytes serialized; the limit is "
          + limits.maxDataBytes());
    }
  }

  /** Checks a write's timestamp format and that it is not too far ahead of the server clock. */
  public static void ts(String ts, long nowMillis, Limits limits) {
    if (!Hlc.isValid(ts)) {
      throw SyncException.badRequest("ts " + shown(ts)
          + " is not an HLC timestamp; expected 13-digit millis, 4 hex digits, node id, "
          + "like 1732470000000-0000-deviceA");
    }
    long ahead = Hlc.millisOf(ts) - nowMillis;
    if (ahead > limits.maxClockSkewMillis()) {
      throw new SyncException(ErrorCode.CLOCK_SKEW, "ts is " + ahead
          + " ms ahead of the server clock; the limit is " + limits.maxClockSkewMillis()
          + " ms. Check the device clock");
    }
  }

  /** Validates a whole write; stamps nothing. */
  public static void write(Write w, long nowMillis, Limits limits) {
    opId(w.opId());
    collection(w.collection());
    id(w.id());
    if (w.op() == Op.DELETE) {
      if (w.data() != null && !w.data().isEmpty()) {
        throw SyncException.badRequest("a delete carries no data");
      }
    } else {
      if (w.data() == null) {
        throw SyncException.badRequest("an " + w.op().wire() + " needs a data object");
      }
      data(w.data(), limits);
    }
    if (w.ts() != null) {
      ts(w.ts(), nowMillis, limits);
    }
    if (w.baseVersion() != null && w.baseVersion() < 0) {
      throw SyncException.badRequest("baseVersion must be an integer >= 0");
    }
  }

  /**
   * True when {@code s} is 1 to 128 of letters (ASCII), digits, {@code _ . : -}, and {@code @}
   * when {@code at} is set.
   */
  static boolean isName(String s, boolean at) {
    int n = s.length();
    if (n == 0 || n > MAX_NAME) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!(isAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-' || (at && c == '@'))) {
        return false;
      }
    }
    return true;
  }

  /** ASCII letter or digit. */
  static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** Depth of a JSON value, stopping early once past {@code limit}. */
  static int depth(JsonNode node, int current, int limit) {
    if (current > limit) {
      return current;
    }
    int max = current;
    if (node.isContainerNode()) {
      for (JsonNode child : node) {
        if (child.isContainerNode()) {
          max = Math.max(max, depth(child, current + 1, limit));
          if (max > limit) {
            return max;
          }
        }
      }
    }
    return max;
  }

  private static String shown(String s) {
    return s == null ? "(missing)" : "'" + truncate(s) + "'";
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
