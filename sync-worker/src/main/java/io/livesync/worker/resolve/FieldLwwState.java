package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code field-lww} state of one record: the latest clear (an insert or a delete) and one
 * register per field written after it. Read from a {@link StoredRecord}'s data and meta,
 * changed by {@link #mergeClear} and {@link #mergeField}, written back with {@link #data()} and
 * {@link #meta()}. The meta format is documented on {@link FieldLwwResolver}.
 *
 * <p>Invariant (kept by {@link #collect()}): every register is after the clear, so every
 * register holding a value is visible and the values live in the record's data only.
 */
final class FieldLwwState {
  static final String FIELDS = "f";
  static final String CLEAR = "clear";
  static final String CLEAR_KIND = "clearKind";
  static final String KIND_INSERT = "insert";
  static final String KIND_DELETE = "delete";

  /** The latest clear: ABSENT rank for an insert, TOMBSTONE for a delete; null if none yet. */
  private Stamp clear;
  /** Sorted, so that equal states give equal meta. */
  private final Map<String, Stamp> registers = new TreeMap<>();

  private FieldLwwState() {
  }

  static FieldLwwState empty() {
    return new FieldLwwState();
  }

  /**
   * Reads the state of a stored record. A record without {@code field-lww} meta (written under
   * another strategy) counts as cleared and written at its ts: an insert of its visible data, or
   * a delete for a tombstone.
   */
  static FieldLwwState of(StoredRecord current) {
    return of(current, null);
  }

  /**
   * The state of a stored record as seen by a write whose clear is {@code incoming} (an insert
   * or a delete; null for an update): what {@link #of(StoredRecord)} gives, except that when
   * every ts in the record (its own, its clear's and every register's) is before the incoming
   * clear, the registers are not read at all, since merging that clear drops every one of them.
   * This is the common case of a record re-inserted by a newer write, and skips the record's data
   * lookups and register stamps.
   */
  static FieldLwwState of(StoredRecord current, Stamp incoming) {
    FieldLwwState s = new FieldLwwState();
    if (current == null) {
      return s;
    }
    boolean superseded = incoming != null && before(current.ts(), incoming.ts());
    ObjectNode data = current.data() == null || current.deleted() ? Json.object() : current.data();
    JsonNode fields = current.meta() == null ? null : current.meta().get(FIELDS);
    if (fields == null || !fields.isObject()) {
      s.clear = current.deleted() ? Stamp.tombstone(current.ts()) : Stamp.absent(current.ts());
      if (!superseded) {
        data.fields().forEachRemaining(e -> s.registers.put(e.getKey(),
            Stamp.value(current.ts(), e.getValue())));
      }
      return s;
    }
    JsonNode clearTs = current.meta().get(CLEAR);
    if (clearTs != null && clearTs.isTextual()) {
      s.clear = KIND_DELETE.equals(current.meta().path(CLEAR_KIND).asText())
          ? Stamp.tombstone(clearTs.asText()) : Stamp.absent(clearTs.asText());
      superseded = superseded && before(clearTs.asText(), incoming.ts());
    }
    for (Iterator<JsonNode> it = fields.elements(); superseded && it.hasNext(); ) {
      superseded = before(it.next().asText(), incoming.ts());
    }
    if (superseded) {
      return s;
    }
    Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode value = data.get(e.getKey());
      String ts = e.getValue().asText();
      s.registers.put(e.getKey(),
          value == null || value instanceof NullNode ? Stamp.absent(ts) : Stamp.value(ts, value));
    }
    // A visible field missing from the meta (not written by this class): as of the record's ts.
    data.fields().forEachRemaining(e -> s.registers.computeIfAbsent(e.getKey(),
        k -> Stamp.value(current.ts(), e.getValue())));
    s.collect();
    return s;
  }

  /** ts strictly before {@code than}: any stamp at ts is then before any stamp at than. */
  private static boolean before(String ts, String than) {
    return ts != null && ts.compareTo(than) < 0;
  }

  /** The state of a field: its register, or what the clear says about it. Null if neither. */
  Stamp effective(String field) {
    Stamp r = registers.get(field);
    return r != null && r.isAfter(clear) ? r : clear;
  }

  /** Merges a clear; returns true when the state changed. */
  boolean mergeClear(Stamp c) {
    if (!c.isAfter(clear)) {
      return false;
    }
    clear = c;
    collect();
    return true;
  }

  /** Merges one field write (a value, or a removal); returns true when the state changed. */
  boolean mergeField(String field, Stamp w) {
    if (!w.isAfter(effective(field))) {
      return false;
    }
    registers.put(field, w);
    return true;
  }

  Stamp clear() {
    return clear;
  }

  /** Deleted: the latest clear is a delete and nothing was written after it. */
  boolean deleted() {
    return clear != null && clear.rank() == Stamp.TOMBSTONE && registers.isEmpty();
  }

  /** The visible document: every register holding a value (all are after the clear). */
  ObjectNode data() {
    ObjectNode data = Json.object();
    registers.forEach((name, r) -> {
      if (r.rank() == Stamp.VALUE) {
        data.set(name, r.value());
      }
    });
    return data;
  }

  ObjectNode meta() {
    ObjectNode meta = Json.object();
    ObjectNode fields = meta.putObject(FIELDS);
    registers.forEach((name, r) -> fields.put(name, r.ts()));
    if (clear != null) {
      meta.put(CLEAR, clear.ts());
      meta.put(CLEAR_KIND, clear.rank() == Stamp.TOMBSTONE ? KIND_DELETE : KIND_INSERT);
    }
    return meta;
  }

  /** Garbage-collects the registers the clear has made irrelevant forever. */
  private void collect() {
    if (clear != null) {
      registers.values().removeIf(r -> !r.isAfter(clear));
    }
  }
}
