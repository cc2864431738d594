package io.livesync.protocol;

/**
 * Hybrid logical clock timestamps (PROTOCOL.md 1.2): {@code MMMMMMMMMMMMM-CCCC-NODE}. Plain string
 * comparison orders them as HLCs. Instances are thread-safe.
 */
public final class Hlc {
  /*
   * The format, as regular expressions (the documentation; the checks below are hand-written
   * because every write's ts is checked, and NameMatcherTest keeps them equal):
   *   timestamp  ^[0-9]{13}-[0-9a-f]{4}-[A-Za-z0-9_-]{1,64}$
   *   node id    ^[A-Za-z0-9_-]{1,64}$
   */
  private static final int NODE_START = 19;
  private static final int MAX_NODE = 64;
  private static final int MAX_COUNTER = 0xffff;

  private final String node;
  private final java.util.function.LongSupplier wallClock;
  private long lastMillis;
  private int lastCounter;

  public Hlc(String node) {
    this(node, System::currentTimeMillis);
  }

  public Hlc(String node, java.util.function.LongSupplier wallClock) {
    if (node == null || !isNode(node, 0)) {
      throw SyncException.badRequest(
          "HLC node id '" + node + "' is not allowed; use 1-64 of letters, digits, _ -");
    }
    this.node = node;
    this.wallClock = wallClock;
  }

  public String node() {
    return node;
  }

  /** A new timestamp for a local event: later than every timestamp issued or observed. */
  public synchronized String now() {
    long wall = wallClock.getAsLong();
    if (wall > lastMillis) {
      lastMillis = wall;
      lastCounter = 0;
    } else if (lastCounter < MAX_COUNTER) {
      lastCounter++;
    } else {
      lastMillis++;
      lastCounter = 0;
    }
    return format(lastMillis, lastCounter, node);
  }

  /** Advances this clock to at least the given timestamp (ignored when malformed). */
  public synchronized void observe(String ts) {
    if (!isValid(ts)) {
      return;
    }
    long millis = millisOf(ts);
    int counter = counterOf(ts);
    if (millis > lastMillis || (millis == lastMillis && counter > lastCounter)) {
      lastMillis = millis;
      lastCounter = counter;
    }
  }

  /** Advances this clock to at least the given wall time in milliseconds. */
  public synchronized void observeMillis(long millis) {
    if (millis > lastMillis) {
      lastMillis = millis;
      lastCounter = 0;
    }
  }

  public static String format(long millis, int counter, String node) {
    StringBuilder sb = new StringBuilder(19 + node.length());
    String m = Long.toString(millis);
    for (int i = m.length(); i < 13; i++) {
      sb.append('0');
    }
    sb.append(m).append('-');
    String c = Integer.toHexString(counter);
    for (int i = c.length(); i < 4; i++) {
      sb.append('0');
    }
    return sb.append(c).append('-').append(node).toString();
  }

  public static boolean isValid(String ts) {
    if (ts == null || ts.length() <= NODE_START || ts.charAt(13) != '-' || ts.charAt(18) != '-') {
      return false;
    }
    for (int i = 0; i < 13; i++) {
      char c = ts.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    for (int i = 14; i < 18; i++) {
      char c = ts.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return isNode(ts, NODE_START);
  }

  /** True when {@code s} from {@code start} on is 1 to 64 of letters, digits, _ -. */
  private static boolean isNode(String s, int start) {
    int n = s.length() - start;
    if (n < 1 || n > MAX_NODE) {
      return false;
    }
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Validation.isAlnum(c) || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  public static long millisOf(String ts) {
    return Long.parseLong(ts, 0, 13, 10);
  }

  public static int counterOf(String ts) {
    return Integer.parseInt(ts, 14, 18, 16);
  }

  /** The node id of a timestamp, or null when ts is null or malformed. */
  public static String nodeOf(String ts) {
    return isValid(ts) ? ts.substring(NODE_START) : null;
  }

  /** Compares two timestamps; null sorts first. */
  public static int compare(String a, String b) {
    if (a == null) {
      return b == null ? 0 : -1;
    }
    return b == null ? 1 : a.compareTo(b);
  }
}
