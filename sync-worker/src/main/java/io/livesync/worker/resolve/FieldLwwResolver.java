package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code field-lww}, the default strategy: each top-level field is a last-writer-wins register
 * keyed by {@code ts}, so the result does not depend on the order in which writes arrive (a
 * state-based CRDT: every write is merged with a commutative, idempotent max).
 *
 * <p>A write is made of parts, each merged on its own:
 * <ul>
 *   <li>an {@code update} at T writes each of its fields at T; a {@code null} writes "absent"
 *       at T, so an older write cannot bring the field back;
 *   <li>an {@code insert} at T is a <em>clear</em> at T (every field not written at or after T
 *       is gone) plus a write of each of its fields at T; a {@code null} in an insert is the
 *       same as leaving the field out;
 *   <li>a {@code delete} at T is a clear at T of kind delete.
 * </ul>
 * A field is visible when its register holds a value newer than the latest clear (or at the same
 * ts as an insert clear). The record is deleted when the latest clear is a delete and no field
 * was written after it; a later field write resurrects it with only the fields written after
 * the delete (an update after a delete that only removes fields resurrects it empty, as an
 * update of a missing record creates it).
 *
 * <p>Ties between different writes at the same ts (only possible from one node reusing a
 * timestamp): a removal loses to a value, two values are ordered by canonical JSON (greater
 * wins), and a delete beats an insert and every field written at its ts.
 *
 * <p>Status: {@code superseded} when nothing changed (every part lost or was already in force,
 * as when the same write is applied twice; also an update without fields, which has no part:
 * unlike under the other strategies it neither creates nor resurrects a record, since no field
 * register could carry that); otherwise {@code applied} when the record now shows
 * exactly what the write asked for (every field it wrote has its value; after an insert no
 * other field is visible; after a delete the record is deleted), else {@code merged}. The
 * record's ts becomes max(current ts, write ts).
 *
 * <p>Meta, stored with the record and opaque to everything but this class:
 * <pre>{"f":{"title":"&lt;ts&gt;","done":"&lt;ts&gt;"},"clear":"&lt;ts&gt;","clearKind":"insert"}</pre>
 * {@code f} holds the ts of every field register newer than the clear: a field listed there and
 * present in the data holds that value, one listed but absent from the data was removed at that
 * ts. Registers at or before the clear are dropped, as no write can make them visible again.
 * {@code clear} and {@code clearKind} ({@code insert} or {@code delete}) are missing until the
 * record's first insert or delete. A record without {@code f} (written under another strategy)
 * is read as an insert, or for a tombstone a delete, of its current data at its ts.
 */
public final class FieldLwwResolver implements ConflictResolver {
  public static final String NAME = "field-lww";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Resolution resolve(StoredRecord current, Write write) {
    String ts = write.ts();
    Stamp clear = write.op() == Op.UPDATE ? null
        : write.op() == Op.DELETE ? Stamp.tombstone(ts) : Stamp.absent(ts);
    FieldLwwState state = FieldLwwState.of(current, clear);
    boolean changed = false;
    boolean complete = true;

    if (clear != null) {
      changed |= state.mergeClear(clear);
      complete &= clear.sameAs(state.clear());
    }
    if (write.op() != Op.DELETE) {
      Iterator<Map.Entry<String, JsonNode>> it = write.data().fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        boolean removal = e.getValue() == null || e.getValue() instanceof NullNode;
        if (removal && write.op() == Op.INSERT) {
          continue; // already covered by the insert's clear
        }
        Stamp part = removal ? Stamp.absent(ts) : Stamp.value(ts, e.getValue());
        changed |= state.mergeField(e.getKey(), part);
        complete &= part.sameAs(state.effective(e.getKey()));
      }
    }
    if (!changed) {
      return Resolution.unchanged(WriteStatus.SUPERSEDED, write.data() != null
          && write.data().isEmpty() && write.op() == Op.UPDATE
          ? "an update without fields changes nothing"
          : "nothing in this write is newer than the record (ts " + current.ts() + ")");
    }

    ObjectNode data = state.data();
    boolean deleted = state.deleted();
    complete &= switch (write.op()) {
      case DELETE -> deleted;
      case INSERT -> data.size() == nonNullFields(write.data());
      case UPDATE -> true;
    };
    String newTs = current == null || Hlc.compare(ts, current.ts()) > 0 ? ts : current.ts();
    return Outcomes.changed(complete ? WriteStatus.APPLIED : WriteStatus.MERGED, current,
        write.op(), data, deleted, state.meta(), newTs);
  }

  private static int nonNullFields(ObjectNode data) {
    int n = 0;
    for (JsonNode v : data) {
      if (!(v instanceof NullNode)) {
        n++;
      }
    }
    return n;
  }
}
