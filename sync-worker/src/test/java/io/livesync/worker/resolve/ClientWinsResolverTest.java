package io.livesync.worker.resolve;

import static io.livesync.worker.resolve.Fixtures.apply;
import static io.livesync.worker.resolve.Fixtures.delete;
import static io.livesync.worker.resolve.Fixtures.insert;
import static io.livesync.worker.resolve.Fixtures.json;
import static io.livesync.worker.resolve.Fixtures.resolveChecked;
import static io.livesync.worker.resolve.Fixtures.ts;
import static io.livesync.worker.resolve.Fixtures.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Op;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.Resolution;
import org.junit.jupiter.api.Test;

class ClientWinsResolverTest {
  private final ClientWinsResolver resolver = new ClientWinsResolver();

  @Test
  void everyWriteIsAppliedInArrivalOrderWhateverItsTs() {
    StoredRecord r = apply(resolver, null, insert(ts(5), "{'a':1,'b':null}"));
    assertThat(r.data()).isEqualTo(json("{'a':1}"));
    Resolution older = resolveChecked(resolver, r, update(ts(1), "{'a':2,'c':2}"));
    assertThat(older.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(older.data()).isEqualTo(json("{'a':2,'c':2}"));
    assertThat(older.ts()).as("the write's ts").isEqualTo(ts(1));
    assertThat(older.meta()).isNull();
    assertThat(older.changeData()).isEqualTo(json("{'a':2,'c':2}"));
  }

  @Test
  void deleteThenUpdateResurrectsWithTheDelta() {
    StoredRecord tomb = apply(resolver, apply(resolver, null, insert(ts(1), "{'a':1}")),
        delete(ts(2)));
    assertThat(tomb.deleted()).isTrue();
    Resolution r = resolveChecked(resolver, tomb, update(ts(0), "{'b':1}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'b':1}"));
    assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
  }

  @Test
  void deleteOfAMissingRecordLeavesATombstone() {
    Resolution r = resolveChecked(resolver, null, delete(ts(1)));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.deleted()).isTrue();
    assertThat(r.changeOp()).isEqualTo(Op.DELETE);
  }
}
