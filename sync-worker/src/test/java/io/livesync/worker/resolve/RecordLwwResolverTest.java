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

class RecordLwwResolverTest {
  private final RecordLwwResolver resolver = new RecordLwwResolver();

  private StoredRecord start(String ts, String data) {
    return apply(resolver, null, insert(ts, data));
  }

  @Test
  void insertCreatesWithoutNullsAndKeepsNoMeta() {
    Resolution r = resolveChecked(resolver, null, insert(ts(1), "{'a':1,'b':null}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'a':1}"));
    assertThat(r.meta()).isNull();
    assertThat(r.ts()).isEqualTo(ts(1));
  }

  @Test
  void olderWriteIsSupersededEvenForAnotherField() {
    StoredRecord r1 = start(ts(3), "{'a':1}");
    Resolution r = resolveChecked(resolver, r1, update(ts(2), "{'b':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(r.reason()).contains(ts(3));
  }

  @Test
  void newerUpdateMergesOntoTheVisibleDocument() {
    Resolution r = resolveChecked(resolver, start(ts(1), "{'a':1,'b':1}"),
        update(ts(2), "{'a':null,'c':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'b':1,'c':2}"));
    assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
    assertThat(r.changeData()).isEqualTo(json("{'a':null,'c':2}"));
    assertThat(r.ts()).isEqualTo(ts(2));
  }

  @Test
  void updateOfAMissingOrDeletedRecordCreatesIt() {
    assertThat(resolveChecked(resolver, null, update(ts(1), "{'a':1}")).data())
        .isEqualTo(json("{'a':1}"));
    StoredRecord tomb = apply(resolver, start(ts(1), "{'a':1,'b':1}"), delete(ts(2)));
    assertThat(tomb.deleted()).isTrue();
    Resolution r = resolveChecked(resolver, tomb, update(ts(3), "{'b':3}"));
    assertThat(r.data()).isEqualTo(json("{'b':3}"));
    assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
    assertThat(r.changeData()).isEqualTo(json("{'b':3}"));
  }

  @Test
  void deleteMakesATombstoneThatSupersedesOlderWrites() {
    StoredRecord tomb = apply(resolver, null, delete(ts(2)));
    assertThat(tomb.deleted()).isTrue();
    assertThat(tomb.data()).isEmpty();
    assertThat(resolveChecked(resolver, tomb, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void equalTsIsBrokenDeterministically() {
    StoredRecord r1 = start(ts(1), "{'a':1}");
    assertThat(resolveChecked(resolver, r1, insert(ts(1), "{'a':1}")).status())
        .as("same result: nothing to change").isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(resolveChecked(resolver, r1, insert(ts(1), "{'a':2}")).status())
        .as("greater canonical JSON wins").isEqualTo(WriteStatus.APPLIED);
    StoredRecord r2 = start(ts(1), "{'a':2}");
    assertThat(resolveChecked(resolver, r2, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(resolveChecked(resolver, r2, delete(ts(1))).status())
        .as("a tombstone wins a tie").isEqualTo(WriteStatus.APPLIED);
    StoredRecord tomb = apply(resolver, r2, delete(ts(1)));
    assertThat(resolveChecked(resolver, tomb, insert(ts(1), "{'a':3}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }
}
