package io.livesync.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The collection patterns of a token's {@code sync} claim (PROTOCOL.md 2.1): exact names, or
 * prefixes ending in {@code *}; {@code {sub}} stands for the token's subject. Immutable.
 *
 * <p>{@code {sub}} is only substituted when the subject is made of collection-name characters
 * other than {@code :} and {@code *}; otherwise patterns naming it grant nothing. A subject such
 * as {@code bob:private} could else reach into {@code user:bob:*}.
 */
final class Grants {
  static final Grants NONE = new Grants(List.of());
  /** Longest pattern list honoured per claim side; more entries are ignored. */
  static final int MAX_PATTERNS = 1024;

  private static final Pattern SAFE_SUBJECT = Pattern.compile("^[A-Za-z0-9_.-]{1,128}$");

  private final List<String> exact;
  private final List<String> prefixes;

  private Grants(List<String> patterns) {
    List<String> e = new ArrayList<>();
    List<String> p = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.endsWith("*")) {
        p.add(pattern.substring(0, pattern.length() - 1));
      } else {
        e.add(pattern);
      }
    }
    this.exact = List.copyOf(e);
    this.prefixes = List.copyOf(p);
  }

  /** The read or write side of a claim; anything but an array of strings grants nothing. */
  static Grants of(Object side, String subject) {
    if (!(side instanceof JsonArray array)) {
      return NONE;
    }
    boolean subjectUsable = subject != null && SAFE_SUBJECT.matcher(subject).matches();
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < array.size() && i < MAX_PATTERNS; i++) {
      if (!(array.getValue(i) instanceof String raw) || raw.isEmpty()) {
        continue;
      }
      if (raw.contains("{sub}")) {
        if (!subjectUsable) {
          continue;
        }
        raw = raw.replace("{sub}", subject);
      }
      patterns.add(raw);
    }
    return patterns.isEmpty() ? NONE : new Grants(patterns);
  }

  /** Both sides of a claim object; a missing or malformed claim grants nothing. */
  static Grants[] ofClaim(Object claim, String subject) {
    if (!(claim instanceof JsonObject obj)) {
      return new Grants[] {NONE, NONE};
    }
    return new Grants[] {of(obj.getValue("read"), subject), of(obj.getValue("write"), subject)};
  }

  boolean allows(String collection) {
    if (collection == null) {
      return false;
    }
    for (String e : exact) {
      if (e.equals(collection)) {
        return true;
      }
    }
    for (String p : prefixes) {
      if (collection.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    List<String> all = new ArrayList<>(exact);
    prefixes.forEach(p -> all.add(p + "*"));
    return all.toString();
  }
}
