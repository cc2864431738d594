package io.livesync.loadtest;

import java.nio.charset.StandardCharsets;

/**
 * Reads the few fields the load generator needs straight from a server frame's UTF-8 bytes,
 * without building a JSON tree: at a million deliveries per second a full parse would cost the
 * generator more than the server spends sending. It relies on the server writing each message
 * compactly with {@code type} first (last for an ack: what {@code Codec} does) and on the
 * generator's own documents holding no field named {@code seq} (its fields are {@code ltT}, the
 * send stamp, {@code ltW}, the writer, and {@code p}, padding of x); rare messages (errors,
 * synced, welcome) are parsed fully. A message is {@code b[0, len)}: the array may be longer
 * (a reused buffer), and nothing here reads past {@code len}.
 */
final class Frames {
  enum Type { CHANGE, CHANGES, ACK, ERROR, SYNCED, WELCOME, RESET, OTHER }

  private static final byte[] TYPE_PREFIX = bytes("{\"type\":\"");
  static final byte[] SEQ = bytes("\"seq\":");
  static final byte[] DATA = bytes("\"data\":{");
  static final byte[] T = bytes("\"ltT\":");
  static final byte[] W = bytes("\"ltW\":");
  private static final byte[] CHANGE = bytes("change\"");
  private static final byte[] CHANGES = bytes("changes\"");
  private static final byte[] ACK_SUFFIX = bytes(",\"type\":\"ack\"}");
  static final byte[] OP_ID = bytes("\"opId\":\"");
  static final byte[] STATUS = bytes("\"status\":\"");

  private Frames() {
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Type type(byte[] b, int len) {
    int p = TYPE_PREFIX.length;
    if (len < p + 4) {
      return Type.OTHER;
    }
    if (!startsWith(b, len, 0, TYPE_PREFIX)) {
      // the server writes an ack's type last
      return len > ACK_SUFFIX.length && startsWith(b, len, len - ACK_SUFFIX.length, ACK_SUFFIX)
          ? Type.ACK : Type.OTHER;
    }
    switch (b[p]) {
      case 'c':
        if (startsWith(b, len, p, CHANGE)) {
          return Type.CHANGE;
        }
        return startsWith(b, len, p, CHANGES) ? Type.CHANGES : Type.OTHER;
      case 'a':
        return b[p + 1] == 'c' && b[p + 2] == 'k' && b[p + 3] == '"' ? Type.ACK : Type.OTHER;
      case 'e':
        return Type.ERROR;
      case 's':
        return Type.SYNCED;
      case 'w':
        return Type.WELCOME;
      case 'r':
        return Type.RESET;
      default:
        return Type.OTHER;
    }
  }

  /** True when b[at, len) starts with {@code pat}. */
  static boolean startsWith(byte[] b, int len, int at, byte[] pat) {
    if (at < 0 || at + pat.length > len) {
      return false;
    }
    for (int i = 0; i < pat.length; i++) {
      if (b[at + i] != pat[i]) {
        return false;
      }
    }
    return true;
  }

  /** Index of {@code pat} in b[from, len), or -1. */
  static int indexOf(byte[] b, int len, byte[] pat, int from) {
    byte first = pat[0];
    int last = len - pat.length;
    outer:
    for (int i = Math.max(0, from); i <= last; i++) {
      if (b[i] != first) {
        continue;
      }
      for (int j = 1; j < pat.length; j++) {
        if (b[i + j] != pat[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * Index of the field {@code pat} inside the object that starts at {@code data} (an index of
   * {@link #DATA} from {@link #indexOf}, or -1 for none): one comparison when it is at {@code
   * expected}, where the generator writes it, else a search from the object's start. -1 when
   * absent.
   */
  static int fieldAt(byte[] b, int len, byte[] pat, int data, int expected) {
    if (data < 0) {
      return -1;
    }
    if (expected > data && startsWith(b, len, expected, pat)) {
      return expected;
    }
    return indexOf(b, len, pat, data + DATA.length);
  }

  /** The index just past the integer that starts at {@code at}. */
  static int numberEnd(byte[] b, int len, int at) {
    int i = at < len && b[at] == '-' ? at + 1 : at;
    while (i < len && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i;
  }

  /** The integer right after the first {@code pat}, or {@code missing}. */
  static long longAfter(byte[] b, int len, byte[] pat, long missing) {
    return longAfter(b, len, pat, 0, missing);
  }

  /** The integer right after the first {@code pat} at or after {@code from}, or missing. */
  static long longAfter(byte[] b, int len, byte[] pat, int from, long missing) {
    int i = from < 0 ? -1 : indexOf(b, len, pat, from);
    return i < 0 ? missing : parseLong(b, len, i + pat.length, missing);
  }

  static long parseLong(byte[] b, int len, int at, long missing) {
    boolean neg = at < len && b[at] == '-';
    int i = neg ? at + 1 : at;
    long v = 0;
    int digits = 0;
    while (i < len && b[i] >= '0' && b[i] <= '9') {
      v = v * 10 + (b[i] - '0');
      i++;
      digits++;
    }
    return digits == 0 ? missing : neg ? -v : v;
  }

  /** The string value right after the first {@code pat} (which ends with the opening quote). */
  static String stringAfter(byte[] b, int len, byte[] pat) {
    int i = indexOf(b, len, pat, 0);
    if (i < 0) {
      return null;
    }
    int start = i + pat.length;
    int end = start;
    while (end < len && b[end] != '"') {
      end++;
    }
    return new String(b, start, end - start, StandardCharsets.UTF_8);
  }

  /** How many times {@code pat} occurs (the items of a {@code changes} page). */
  static int count(byte[] b, int len, byte[] pat) {
    int n = 0;
    int i = indexOf(b, len, pat, 0);
    while (i >= 0) {
      n++;
      i = indexOf(b, len, pat, i + pat.length);
    }
    return n;
  }
}
