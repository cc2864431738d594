package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;

/**
 * The position of one {@code field-lww} register state in its total order: by {@code ts}, then
 * by rank (a removal &lt; a value &lt; a delete tombstone), then, between two values, by their
 * canonical JSON. The order is total and needs nothing but the stamps, which is what makes the
 * merge independent of arrival order.
 *
 * @param value the field's value for {@link #VALUE}, else null
 */
record Stamp(String ts, int rank, JsonNode value) implements Comparable<Stamp> {
  /** The field is absent: removed by an update's null, or cleared by an insert. */
  static final int ABSENT = 0;
  static final int VALUE = 1;
  /** Cleared by a delete: beats a value written at the same ts. */
  static final int TOMBSTONE = 2;

  static Stamp absent(String ts) {
    return new Stamp(ts, ABSENT, null);
  }

  static Stamp value(String ts, JsonNode value) {
    return new Stamp(ts, VALUE, value);
  }

  static Stamp tombstone(String ts) {
    return new Stamp(ts, TOMBSTONE, null);
  }

  @Override
  public int compareTo(Stamp o) {
    if (o == this) {
      return 0; // the common case of sameAs: a write's own part, just merged
    }
    int c = ts.compareTo(o.ts);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(rank, o.rank);
    if (c != 0 || rank != VALUE) {
      return c;
    }
    // Only reached for two values written at the very same ts (the same node and counter).
    if (value.equals(o.value)) {
      return 0; // equal trees have equal canonical text
    }
    return Json.canonical(value).compareTo(Json.canonical(o.value));
  }

  boolean isAfter(Stamp o) {
    return o == null || compareTo(o) > 0;
  }

  boolean sameAs(Stamp o) {
    return o != null && compareTo(o) == 0;
  }
}
