package io.livesync.worker.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.ShallowMerge;
import io.livesync.protocol.Write;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;

/** Writes, records and the worker's bookkeeping (version and seq + 1), for resolver tests. */
final class Fixtures {
  static final String COLLECTION = "todos";
  static final String ID = "t1";

  private Fixtures() {
  }

  /** An HLC timestamp {@code millis} ms after a fixed epoch, counter 0. */
  static String ts(long millis, String node) {
    return Hlc.format(1_732_470_000_000L + millis, 0, node);
  }

  static String ts(long millis) {
    return ts(millis, "n1");
  }

  static ObjectNode json(String text) {
    return Json.parseObject(text.replace('\'', '"'));
  }

  static Write insert(String ts, String data) {
    return write(Op.INSERT, ts, json(data), null);
  }

  static Write update(String ts, String data) {
    return write(Op.UPDATE, ts, json(data), null);
  }

  static Write delete(String ts) {
    return write(Op.DELETE, ts, null, null);
  }

  static Write write(Op op, String ts, ObjectNode data, Long baseVersion) {
    return new Write(op, "op-" + op.wire() + "-" + ts, COLLECTION, ID, data, ts, baseVersion);
  }

  static Write based(Write w, Long baseVersion) {
    return new Write(w.op(), w.opId(), w.collection(), w.id(), w.data(), w.ts(), baseVersion);
  }

  /** A record as stored, without resolver meta. */
  static StoredRecord record(String data, long version, String ts, boolean deleted) {
    return new StoredRecord(COLLECTION, ID, deleted ? Json.object() : json(data), version,
        version, ts, deleted, null, 0);
  }

  /** What the worker stores after a resolution: unchanged, or the next version and seq. */
  static StoredRecord next(StoredRecord current, Resolution r) {
    if (!r.status().changed()) {
      return current;
    }
    long version = current == null ? 1 : current.version() + 1;
    long seq = current == null ? 1 : current.seq() + 1;
    return new StoredRecord(COLLECTION, ID, r.data(), version, seq, r.ts(), r.deleted(),
        r.meta(), 0);
  }

  /** Resolves and checks that the live change turns the old visible document into the new one. */
  static Resolution resolveChecked(ConflictResolver resolver, StoredRecord current, Write w) {
    ObjectNode before = current == null || current.deleted() ? Json.object()
        : current.data().deepCopy();
    String beforeText = current == null ? null : Json.canonical(current.data());
    Resolution r = resolver.resolve(current, w);
    if (current != null) {
      assertThat(Json.canonical(current.data())).as("input left untouched").isEqualTo(beforeText);
    }
    if (!r.status().changed()) {
      assertThat(r.data()).isNull();
      return r;
    }
    assertThat(r.ts()).isNotNull();
    if (r.deleted()) {
      assertThat(r.data()).isEmpty();
      assertThat(r.changeOp()).isEqualTo(Op.DELETE);
      assertThat(r.changeData()).isNull();
    } else if (w.op() == Op.UPDATE) {
      assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
      assertThat(Json.canonical(ShallowMerge.apply(before, r.changeData())))
          .as("the update delta applied onto the old document").isEqualTo(Json.canonical(r.data()));
    } else {
      assertThat(r.changeOp()).isEqualTo(Op.INSERT);
      assertThat(Json.canonical(r.changeData())).isEqualTo(Json.canonical(r.data()));
    }
    return r;
  }

  /** Resolves with the checks above and returns the record the worker would store. */
  static StoredRecord apply(ConflictResolver resolver, StoredRecord current, Write w) {
    return next(current, resolveChecked(resolver, current, w));
  }

  /** The visible state of a record, for comparing: data, deleted flag and ts. */
  static String visibleState(StoredRecord r) {
    return r == null ? "(none)"
        : Json.canonical(r.data()) + (r.deleted() ? " deleted" : "") + " @" + r.ts();
  }
}
